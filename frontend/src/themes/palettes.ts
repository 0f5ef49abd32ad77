/**
 * The theme catalogue. Terminal colours follow each scheme's published palette; the UI
 * colours are picked from the same palette but nudged where needed so text stays readable
 * (themes.test.ts checks the WCAG contrast of every pair the UI relies on).
 */
import type { ITheme } from '@xterm/xterm';

export interface ThemeUi {
  bg: string;
  panel: string;
  panel2: string;
  border: string;
  fg: string;
  muted: string;
  accent: string;
  danger: string;
}

export interface Theme {
  id: string;
  name: string;
  dark: boolean;
  /** UI colours, written as CSS variables (--bg, --panel, --panel-2, --border, --fg, --muted, --accent, --danger). */
  ui: ThemeUi;
  /** The terminal palette: background, foreground, cursor, selection and the 16 ANSI colours. */
  term: ITheme;
}

/** black, red, green, yellow, blue, magenta, cyan, white, then the eight bright variants. */
type Ansi = [string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string];

interface TermBase {
  bg: string;
  fg: string;
  cursor: string;
  selection: string;
}

function term({ bg, fg, cursor, selection }: TermBase, a: Ansi): ITheme {
  return {
    background: bg, foreground: fg, cursor, cursorAccent: bg, selectionBackground: selection,
    black: a[0], red: a[1], green: a[2], yellow: a[3], blue: a[4], magenta: a[5], cyan: a[6], white: a[7],
    brightBlack: a[8], brightRed: a[9], brightGreen: a[10], brightYellow: a[11],
    brightBlue: a[12], brightMagenta: a[13], brightCyan: a[14], brightWhite: a[15],
  };
}

function theme(id: string, name: string, dark: boolean, ui: ThemeUi, base: TermBase, ansi: Ansi): Theme {
  return { id, name, dark, ui, term: term(base, ansi) };
}

export const THEMES: Theme[] = [
  theme(
    'dark', 'Dark', true,
    { bg: '#16181d', panel: '#1f232b', panel2: '#272c36', border: '#3a4150', fg: '#d8dee9', muted: '#8b93a3', accent: '#4a9eff', danger: '#f0616d' },
    { bg: '#16181d', fg: '#d8dee9', cursor: '#e5e9f0', selection: '#3b4a63' },
    ['#2a2f3a', '#f0616d', '#8fcf6a', '#e6c36a', '#4a9eff', '#c28cf0', '#4fc4cf', '#c8ced9',
      '#5c6577', '#ff7b85', '#a8e287', '#f5d68a', '#7ab8ff', '#d6a8ff', '#7adbe3', '#ffffff'],
  ),
  theme(
    'light', 'Light', false,
    { bg: '#f7f7f9', panel: '#ffffff', panel2: '#eceef2', border: '#c9ced8', fg: '#1f2328', muted: '#5c6370', accent: '#0b62d6', danger: '#c4283a' },
    { bg: '#ffffff', fg: '#1f2328', cursor: '#1f2328', selection: '#b6d3ff' },
    ['#1f2328', '#c4283a', '#1a7f37', '#8a6100', '#0b62d6', '#8250df', '#1b7c83', '#6e7781',
      '#57606a', '#a40e26', '#116329', '#6b4b00', '#0550ae', '#6639ba', '#136061', '#8c959f'],
  ),
  theme(
    'solarized-dark', 'Solarized Dark', true,
    { bg: '#002b36', panel: '#073642', panel2: '#0a3d4a', border: '#2c5866', fg: '#a3b0b0', muted: '#7f9194', accent: '#2e94d9', danger: '#ef5350' },
    { bg: '#002b36', fg: '#839496', cursor: '#93a1a1', selection: '#0f4a5a' },
    ['#073642', '#dc322f', '#859900', '#b58900', '#268bd2', '#d33682', '#2aa198', '#eee8d5',
      '#586e75', '#cb4b16', '#586e75', '#657b83', '#839496', '#6c71c4', '#93a1a1', '#fdf6e3'],
  ),
  theme(
    'solarized-light', 'Solarized Light', false,
    { bg: '#fdf6e3', panel: '#fffbf0', panel2: '#eee8d5', border: '#d6cfb8', fg: '#073642', muted: '#586e75', accent: '#1a73b5', danger: '#c4231f' },
    { bg: '#fdf6e3', fg: '#586e75', cursor: '#586e75', selection: '#e4ddc8' },
    ['#073642', '#dc322f', '#859900', '#b58900', '#268bd2', '#d33682', '#2aa198', '#eee8d5',
      '#002b36', '#cb4b16', '#586e75', '#657b83', '#839496', '#6c71c4', '#93a1a1', '#fdf6e3'],
  ),
  theme(
    'nord', 'Nord', true,
    { bg: '#2e3440', panel: '#3b4252', panel2: '#434c5e', border: '#4c566a', fg: '#eceff4', muted: '#aeb6c5', accent: '#88c0d0', danger: '#e4848c' },
    { bg: '#2e3440', fg: '#d8dee9', cursor: '#d8dee9', selection: '#434c5e' },
    ['#3b4252', '#bf616a', '#a3be8c', '#ebcb8b', '#81a1c1', '#b48ead', '#88c0d0', '#e5e9f0',
      '#4c566a', '#bf616a', '#a3be8c', '#ebcb8b', '#81a1c1', '#b48ead', '#8fbcbb', '#eceff4'],
  ),
  theme(
    'dracula', 'Dracula', true,
    { bg: '#282a36', panel: '#303241', panel2: '#3a3d4f', border: '#4d5168', fg: '#f8f8f2', muted: '#a2aad3', accent: '#bd93f9', danger: '#ff6e6e' },
    { bg: '#282a36', fg: '#f8f8f2', cursor: '#f8f8f2', selection: '#44475a' },
    ['#21222c', '#ff5555', '#50fa7b', '#f1fa8c', '#bd93f9', '#ff79c6', '#8be9fd', '#f8f8f2',
      '#6272a4', '#ff6e6e', '#69ff94', '#ffffa5', '#d6acff', '#ff92df', '#a4ffff', '#ffffff'],
  ),
  theme(
    'github-dark', 'GitHub Dark', true,
    { bg: '#0d1117', panel: '#161b22', panel2: '#21262d', border: '#30363d', fg: '#e6edf3', muted: '#8d96a0', accent: '#58a6ff', danger: '#f85149' },
    { bg: '#0d1117', fg: '#e6edf3', cursor: '#e6edf3', selection: '#264f78' },
    ['#484f58', '#ff7b72', '#3fb950', '#d29922', '#58a6ff', '#bc8cff', '#39c5cf', '#b1bac4',
      '#6e7681', '#ffa198', '#56d364', '#e3b341', '#79c0ff', '#d2a8ff', '#56d4dd', '#ffffff'],
  ),
  theme(
    'github-light', 'GitHub Light', false,
    { bg: '#ffffff', panel: '#f6f8fa', panel2: '#eaeef2', border: '#d0d7de', fg: '#1f2328', muted: '#59636e', accent: '#0969da', danger: '#cf222e' },
    { bg: '#ffffff', fg: '#1f2328', cursor: '#0969da', selection: '#b6e3ff' },
    ['#24292f', '#cf222e', '#116329', '#4d2d00', '#0969da', '#8250df', '#1b7c83', '#6e7781',
      '#57606a', '#a40e26', '#1a7f37', '#633c01', '#218bff', '#a475f9', '#3192aa', '#8c959f'],
  ),
  theme(
    'github-dimmed', 'GitHub Dark Dimmed', true,
    { bg: '#22272e', panel: '#2d333b', panel2: '#373e47', border: '#444c56', fg: '#cdd9e5', muted: '#909dab', accent: '#539bf5', danger: '#f47067' },
    { bg: '#22272e', fg: '#adbac7', cursor: '#539bf5', selection: '#344b68' },
    ['#545d68', '#f47067', '#57ab5a', '#c69026', '#539bf5', '#b083f0', '#39c5cf', '#909dab',
      '#636e7b', '#ff938a', '#6bc46d', '#daaa3f', '#6cb6ff', '#dcbdfb', '#56d4dd', '#cdd9e5'],
  ),
  theme(
    'one-dark', 'One Dark', true,
    { bg: '#282c34', panel: '#21252b', panel2: '#2f343e', border: '#3e4451', fg: '#d7dae0', muted: '#9da5b4', accent: '#61afef', danger: '#e06c75' },
    { bg: '#282c34', fg: '#abb2bf', cursor: '#528bff', selection: '#3e4451' },
    ['#3f4451', '#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2', '#abb2bf',
      '#5c6370', '#ef7b84', '#a5d68a', '#f0cf8c', '#74bbf5', '#d48ae9', '#66c8d4', '#ffffff'],
  ),
  theme(
    'one-light', 'One Light', false,
    { bg: '#fafafa', panel: '#ffffff', panel2: '#f0f0f1', border: '#d4d4d7', fg: '#383a42', muted: '#696c77', accent: '#3568d4', danger: '#c23b2e' },
    { bg: '#fafafa', fg: '#383a42', cursor: '#526fff', selection: '#d7e0f8' },
    ['#383a42', '#e45649', '#50a14f', '#c18401', '#4078f2', '#a626a4', '#0184bc', '#a0a1a7',
      '#696c77', '#ca1243', '#3e8a3d', '#986801', '#2f5fd0', '#8a1f88', '#016f9e', '#ffffff'],
  ),
  theme(
    'catppuccin-mocha', 'Catppuccin Mocha', true,
    { bg: '#1e1e2e', panel: '#181825', panel2: '#313244', border: '#45475a', fg: '#cdd6f4', muted: '#a6adc8', accent: '#89b4fa', danger: '#f38ba8' },
    { bg: '#1e1e2e', fg: '#cdd6f4', cursor: '#f5e0dc', selection: '#45475a' },
    ['#45475a', '#f38ba8', '#a6e3a1', '#f9e2af', '#89b4fa', '#f5c2e7', '#94e2d5', '#bac2de',
      '#585b70', '#f38ba8', '#a6e3a1', '#f9e2af', '#89b4fa', '#f5c2e7', '#94e2d5', '#a6adc8'],
  ),
  theme(
    'catppuccin-macchiato', 'Catppuccin Macchiato', true,
    { bg: '#24273a', panel: '#1e2030', panel2: '#363a4f', border: '#494d64', fg: '#cad3f5', muted: '#a5adcb', accent: '#8aadf4', danger: '#ed8796' },
    { bg: '#24273a', fg: '#cad3f5', cursor: '#f4dbd6', selection: '#494d64' },
    ['#494d64', '#ed8796', '#a6da95', '#eed49f', '#8aadf4', '#f5bde6', '#8bd5ca', '#b8c0e0',
      '#5b6078', '#ed8796', '#a6da95', '#eed49f', '#8aadf4', '#f5bde6', '#8bd5ca', '#a5adcb'],
  ),
  theme(
    'catppuccin-frappe', 'Catppuccin Frappé', true,
    { bg: '#303446', panel: '#292c3c', panel2: '#414559', border: '#51576d', fg: '#c6d0f5', muted: '#a5adce', accent: '#8caaee', danger: '#e78284' },
    { bg: '#303446', fg: '#c6d0f5', cursor: '#f2d5cf', selection: '#51576d' },
    ['#51576d', '#e78284', '#a6d189', '#e5c890', '#8caaee', '#f4b8e4', '#81c8be', '#b5bfe2',
      '#626880', '#e78284', '#a6d189', '#e5c890', '#8caaee', '#f4b8e4', '#81c8be', '#a5adce'],
  ),
  theme(
    'catppuccin-latte', 'Catppuccin Latte', false,
    { bg: '#eff1f5', panel: '#e6e9ef', panel2: '#dce0e8', border: '#bcc0cc', fg: '#4c4f69', muted: '#5c5f77', accent: '#1e66f5', danger: '#d20f39' },
    { bg: '#eff1f5', fg: '#4c4f69', cursor: '#dc8a78', selection: '#ccd0da' },
    ['#5c5f77', '#d20f39', '#40a02b', '#df8e1d', '#1e66f5', '#ea76cb', '#179299', '#acb0be',
      '#6c6f85', '#d20f39', '#40a02b', '#df8e1d', '#1e66f5', '#ea76cb', '#179299', '#bcc0cc'],
  ),
  theme(
    'gruvbox-dark', 'Gruvbox Dark', true,
    { bg: '#282828', panel: '#32302f', panel2: '#3c3836', border: '#504945', fg: '#ebdbb2', muted: '#a89984', accent: '#fabd2f', danger: '#fb4934' },
    { bg: '#282828', fg: '#ebdbb2', cursor: '#ebdbb2', selection: '#504945' },
    ['#282828', '#cc241d', '#98971a', '#d79921', '#458588', '#b16286', '#689d6a', '#a89984',
      '#928374', '#fb4934', '#b8bb26', '#fabd2f', '#83a598', '#d3869b', '#8ec07c', '#ebdbb2'],
  ),
  theme(
    'gruvbox-light', 'Gruvbox Light', false,
    { bg: '#fbf1c7', panel: '#f9f5d7', panel2: '#ebdbb2', border: '#d5c4a1', fg: '#3c3836', muted: '#665c54', accent: '#076678', danger: '#9d0006' },
    { bg: '#fbf1c7', fg: '#3c3836', cursor: '#3c3836', selection: '#d5c4a1' },
    ['#fbf1c7', '#cc241d', '#98971a', '#d79921', '#458588', '#b16286', '#689d6a', '#7c6f64',
      '#928374', '#9d0006', '#79740e', '#b57614', '#076678', '#8f3f71', '#427b58', '#3c3836'],
  ),
  theme(
    'tokyo-night', 'Tokyo Night', true,
    { bg: '#1a1b26', panel: '#16161e', panel2: '#24283b', border: '#3b4261', fg: '#c0caf5', muted: '#8990b3', accent: '#7aa2f7', danger: '#f7768e' },
    { bg: '#1a1b26', fg: '#c0caf5', cursor: '#c0caf5', selection: '#33467c' },
    ['#15161e', '#f7768e', '#9ece6a', '#e0af68', '#7aa2f7', '#bb9af7', '#7dcfff', '#a9b1d6',
      '#414868', '#f7768e', '#9ece6a', '#e0af68', '#7aa2f7', '#bb9af7', '#7dcfff', '#c0caf5'],
  ),
  theme(
    'tokyo-night-storm', 'Tokyo Night Storm', true,
    { bg: '#24283b', panel: '#1f2335', panel2: '#292e42', border: '#3b4261', fg: '#c0caf5', muted: '#9aa1c6', accent: '#7aa2f7', danger: '#f7768e' },
    { bg: '#24283b', fg: '#c0caf5', cursor: '#c0caf5', selection: '#2e3c64' },
    ['#1d202f', '#f7768e', '#9ece6a', '#e0af68', '#7aa2f7', '#bb9af7', '#7dcfff', '#a9b1d6',
      '#414868', '#f7768e', '#9ece6a', '#e0af68', '#7aa2f7', '#bb9af7', '#7dcfff', '#c0caf5'],
  ),
  theme(
    'tokyo-night-day', 'Tokyo Night Day', false,
    { bg: '#e1e2e7', panel: '#e9e9ed', panel2: '#d0d5e3', border: '#a8aecb', fg: '#2a4a9b', muted: '#4f5e98', accent: '#2e65c8', danger: '#c4174b' },
    { bg: '#e1e2e7', fg: '#2f53ad', cursor: '#3760bf', selection: '#b7c1e3' },
    ['#e9e9ed', '#f52a65', '#587539', '#8c6c3e', '#2e7de9', '#9854f1', '#007197', '#6172b0',
      '#a1a6c5', '#f52a65', '#587539', '#8c6c3e', '#2e7de9', '#9854f1', '#007197', '#3760bf'],
  ),
  theme(
    'rose-pine', 'Rosé Pine', true,
    { bg: '#191724', panel: '#1f1d2e', panel2: '#26233a', border: '#403d52', fg: '#e0def4', muted: '#908caa', accent: '#c4a7e7', danger: '#eb6f92' },
    { bg: '#191724', fg: '#e0def4', cursor: '#524f67', selection: '#403d52' },
    ['#26233a', '#eb6f92', '#31748f', '#f6c177', '#9ccfd8', '#c4a7e7', '#ebbcba', '#e0def4',
      '#6e6a86', '#eb6f92', '#31748f', '#f6c177', '#9ccfd8', '#c4a7e7', '#ebbcba', '#e0def4'],
  ),
  theme(
    'rose-pine-moon', 'Rosé Pine Moon', true,
    { bg: '#232136', panel: '#2a273f', panel2: '#393552', border: '#44415a', fg: '#e0def4', muted: '#a19dbd', accent: '#c4a7e7', danger: '#eb6f92' },
    { bg: '#232136', fg: '#e0def4', cursor: '#56526e', selection: '#44415a' },
    ['#393552', '#eb6f92', '#3e8fb0', '#f6c177', '#9ccfd8', '#c4a7e7', '#ea9a97', '#e0def4',
      '#6e6a86', '#eb6f92', '#3e8fb0', '#f6c177', '#9ccfd8', '#c4a7e7', '#ea9a97', '#e0def4'],
  ),
  theme(
    'rose-pine-dawn', 'Rosé Pine Dawn', false,
    { bg: '#faf4ed', panel: '#fffaf3', panel2: '#f2e9e1', border: '#dfdad9', fg: '#575279', muted: '#797593', accent: '#286983', danger: '#b4637a' },
    { bg: '#faf4ed', fg: '#575279', cursor: '#9893a5', selection: '#dfdad9' },
    ['#f2e9e1', '#b4637a', '#286983', '#ea9d34', '#56949f', '#907aa9', '#d7827e', '#575279',
      '#9893a5', '#b4637a', '#286983', '#ea9d34', '#56949f', '#907aa9', '#d7827e', '#575279'],
  ),
  theme(
    'kanagawa', 'Kanagawa', true,
    { bg: '#1f1f28', panel: '#16161d', panel2: '#2a2a37', border: '#54546d', fg: '#dcd7ba', muted: '#9a9a8f', accent: '#7e9cd8', danger: '#ff5d62' },
    { bg: '#1f1f28', fg: '#dcd7ba', cursor: '#c8c093', selection: '#2d4f67' },
    ['#16161d', '#c34043', '#76946a', '#c0a36e', '#7e9cd8', '#957fb8', '#6a9589', '#c8c093',
      '#727169', '#e82424', '#98bb6c', '#e6c384', '#7fb4ca', '#938aa9', '#7aa89f', '#dcd7ba'],
  ),
  theme(
    'kanagawa-lotus', 'Kanagawa Lotus', false,
    { bg: '#f2ecbc', panel: '#e7dba0', panel2: '#e5ddb0', border: '#c7bf8f', fg: '#43436c', muted: '#5f5e58', accent: '#4d699b', danger: '#c84053' },
    { bg: '#f2ecbc', fg: '#545464', cursor: '#43436c', selection: '#c9cbd1' },
    ['#1f1f28', '#c84053', '#6f894e', '#77713f', '#4d699b', '#b35b79', '#597b75', '#545464',
      '#8a8980', '#d7474b', '#6e915f', '#836f4a', '#6693bf', '#624c83', '#5e857a', '#43436c'],
  ),
  theme(
    'everforest', 'Everforest', true,
    { bg: '#2d353b', panel: '#343f44', panel2: '#3d484d', border: '#4f585e', fg: '#d3c6aa', muted: '#9da9a0', accent: '#a7c080', danger: '#e67e80' },
    { bg: '#2d353b', fg: '#d3c6aa', cursor: '#d3c6aa', selection: '#543a48' },
    ['#475258', '#e67e80', '#a7c080', '#dbbc7f', '#7fbbb3', '#d699b6', '#83c092', '#d3c6aa',
      '#859289', '#e67e80', '#a7c080', '#dbbc7f', '#7fbbb3', '#d699b6', '#83c092', '#e8ddc4'],
  ),
  theme(
    'everforest-light', 'Everforest Light', false,
    { bg: '#fdf6e3', panel: '#f4f0d9', panel2: '#efebd4', border: '#ddd8be', fg: '#5c6a72', muted: '#6e7a72', accent: '#3a7ca5', danger: '#d63e3b' },
    { bg: '#fdf6e3', fg: '#5c6a72', cursor: '#5c6a72', selection: '#e6e2cc' },
    ['#5c6a72', '#f85552', '#8da101', '#dfa000', '#3a94c5', '#df69ba', '#35a77c', '#dfddc8',
      '#829181', '#e66868', '#93b259', '#dfa000', '#3a94c5', '#df69ba', '#35a77c', '#fffbef'],
  ),
  theme(
    'ayu-dark', 'Ayu Dark', true,
    { bg: '#0b0e14', panel: '#0f131a', panel2: '#161b24', border: '#2a303c', fg: '#bfbdb6', muted: '#8a9199', accent: '#e6b450', danger: '#f26d78' },
    { bg: '#0b0e14', fg: '#bfbdb6', cursor: '#e6b450', selection: '#1b3a5b' },
    ['#1e232b', '#ea6c73', '#7fd962', '#f9af4f', '#53bdfa', '#cda1fa', '#90e1c6', '#c7c7c7',
      '#686868', '#f07178', '#aad94c', '#ffb454', '#59c2ff', '#d2a6ff', '#95e6cb', '#ffffff'],
  ),
  theme(
    'ayu-mirage', 'Ayu Mirage', true,
    { bg: '#1f2430', panel: '#1c212b', panel2: '#2a3040', border: '#3d4455', fg: '#cccac2', muted: '#959ba6', accent: '#ffcc66', danger: '#f28779' },
    { bg: '#1f2430', fg: '#cccac2', cursor: '#ffcc66', selection: '#33415e' },
    ['#171b24', '#ed8274', '#87d96c', '#facc6e', '#6dcbfa', '#dabafa', '#90e1c6', '#c7c7c7',
      '#686868', '#f28779', '#d5ff80', '#ffcc66', '#73d0ff', '#dfbfff', '#95e6cb', '#ffffff'],
  ),
  theme(
    'ayu-light', 'Ayu Light', false,
    { bg: '#fcfcfc', panel: '#f3f4f5', panel2: '#e7e8e9', border: '#cfd1d4', fg: '#4a4f55', muted: '#656b73', accent: '#b36200', danger: '#d93a3a' },
    { bg: '#fcfcfc', fg: '#5c6166', cursor: '#ffaa33', selection: '#d3e1f5' },
    ['#000000', '#ea6c6d', '#6cbf43', '#eca944', '#3199e1', '#9e75c7', '#46ba94', '#c7c7c7',
      '#686868', '#f07171', '#86b300', '#f2ae49', '#399ee6', '#a37acc', '#4cbf99', '#d1d1d1'],
  ),
  theme(
    'monokai', 'Monokai', true,
    { bg: '#272822', panel: '#2e2f29', panel2: '#3e3d32', border: '#57584f', fg: '#f8f8f2', muted: '#a59f85', accent: '#a6e22e', danger: '#f92672' },
    { bg: '#272822', fg: '#f8f8f2', cursor: '#f8f8f0', selection: '#49483e' },
    ['#272822', '#f92672', '#a6e22e', '#f4bf75', '#66d9ef', '#ae81ff', '#a1efe4', '#f8f8f2',
      '#75715e', '#f92672', '#a6e22e', '#f4bf75', '#66d9ef', '#ae81ff', '#a1efe4', '#f9f8f5'],
  ),
  theme(
    'night-owl', 'Night Owl', true,
    { bg: '#011627', panel: '#0b2942', panel2: '#13344f', border: '#1d3b53', fg: '#d6deeb', muted: '#8aa0b3', accent: '#82aaff', danger: '#ef5350' },
    { bg: '#011627', fg: '#d6deeb', cursor: '#80a4c2', selection: '#1d3b53' },
    ['#011627', '#ef5350', '#22da6e', '#addb67', '#82aaff', '#c792ea', '#21c7a8', '#ffffff',
      '#575656', '#ef5350', '#22da6e', '#ffeb95', '#82aaff', '#c792ea', '#7fdbca', '#ffffff'],
  ),
  theme(
    'night-owl-light', 'Night Owl Light', false,
    { bg: '#fbfbfb', panel: '#f0f0f0', panel2: '#e4e8ea', border: '#d0d4d8', fg: '#403f53', muted: '#5c6272', accent: '#3a66c2', danger: '#c8302e' },
    { bg: '#fbfbfb', fg: '#403f53', cursor: '#90a7b2', selection: '#e0e0e0' },
    ['#403f53', '#de3d3b', '#08916a', '#e0af02', '#288ed7', '#d6438a', '#2aa298', '#f0f0f0',
      '#403f53', '#de3d3b', '#08916a', '#daaa01', '#288ed7', '#d6438a', '#2aa298', '#f0f0f0'],
  ),
  theme(
    'material', 'Material', true,
    { bg: '#263238', panel: '#1e282d', panel2: '#2f3e45', border: '#37474f', fg: '#eeffff', muted: '#9fb2bb', accent: '#80cbc4', danger: '#f07178' },
    { bg: '#263238', fg: '#eeffff', cursor: '#ffcc00', selection: '#37474f' },
    ['#37474f', '#f07178', '#c3e88d', '#ffcb6b', '#82aaff', '#c792ea', '#89ddff', '#eeffff',
      '#546e7a', '#ff5370', '#c3e88d', '#ffcb6b', '#82aaff', '#c792ea', '#89ddff', '#ffffff'],
  ),
  theme(
    'palenight', 'Palenight', true,
    { bg: '#292d3e', panel: '#232635', panel2: '#32374d', border: '#444267', fg: '#c3c8e6', muted: '#959dcb', accent: '#82aaff', danger: '#ff5370' },
    { bg: '#292d3e', fg: '#a6accd', cursor: '#ffcc00', selection: '#3c435e' },
    ['#3a3f58', '#f07178', '#c3e88d', '#ffcb6b', '#82aaff', '#c792ea', '#89ddff', '#d0d0d0',
      '#676e95', '#ff8b92', '#ddffa7', '#ffe585', '#9cc4ff', '#e1acff', '#a3f7ff', '#ffffff'],
  ),
  theme(
    'oceanic-next', 'Oceanic Next', true,
    { bg: '#1b2b34', panel: '#22333d', panel2: '#343d46', border: '#4f5b66', fg: '#d8dee9', muted: '#a7adba', accent: '#6699cc', danger: '#ec5f67' },
    { bg: '#1b2b34', fg: '#c0c5ce', cursor: '#c0c5ce', selection: '#4f5b66' },
    ['#343d46', '#ec5f67', '#99c794', '#fac863', '#6699cc', '#c594c5', '#5fb3b3', '#c0c5ce',
      '#65737e', '#ec5f67', '#99c794', '#fac863', '#6699cc', '#c594c5', '#5fb3b3', '#d8dee9'],
  ),
  theme(
    'tomorrow-night', 'Tomorrow Night', true,
    { bg: '#1d1f21', panel: '#282a2e', panel2: '#303236', border: '#4b4e55', fg: '#c5c8c6', muted: '#969896', accent: '#81a2be', danger: '#d66b6b' },
    { bg: '#1d1f21', fg: '#c5c8c6', cursor: '#c5c8c6', selection: '#373b41' },
    ['#282a2e', '#cc6666', '#b5bd68', '#f0c674', '#81a2be', '#b294bb', '#8abeb7', '#c5c8c6',
      '#969896', '#d54e53', '#b9ca4a', '#e7c547', '#7aa6da', '#c397d8', '#70c0b1', '#eaeaea'],
  ),
  theme(
    'tomorrow', 'Tomorrow', false,
    { bg: '#ffffff', panel: '#fafafa', panel2: '#efefef', border: '#d6d6d6', fg: '#4d4d4c', muted: '#6c6e6b', accent: '#4271ae', danger: '#c82829' },
    { bg: '#ffffff', fg: '#4d4d4c', cursor: '#4d4d4c', selection: '#d6d6d6' },
    ['#4d4d4c', '#c82829', '#718c00', '#eab700', '#4271ae', '#8959a8', '#3e999f', '#d6d6d6',
      '#8e908c', '#c82829', '#718c00', '#eab700', '#4271ae', '#8959a8', '#3e999f', '#efefef'],
  ),
  theme(
    'zenburn', 'Zenburn', true,
    { bg: '#3f3f3f', panel: '#383838', panel2: '#4f4f4f', border: '#6f6f6f', fg: '#dcdccc', muted: '#b4b4a2', accent: '#8cd0d3', danger: '#dca3a3' },
    { bg: '#3f3f3f', fg: '#dcdccc', cursor: '#8faf9f', selection: '#5f5f5f' },
    ['#4d4d4d', '#cc9393', '#7f9f7f', '#f0dfaf', '#8cd0d3', '#dc8cc3', '#93e0e3', '#dcdccc',
      '#709080', '#dca3a3', '#c3bf9f', '#e0cf9f', '#94bff3', '#ec93d3', '#93e0e3', '#ffffff'],
  ),
  theme(
    'cobalt2', 'Cobalt2', true,
    { bg: '#193549', panel: '#15232d', panel2: '#1f4662', border: '#2f5a7a', fg: '#ffffff', muted: '#a7bfd3', accent: '#ffc600', danger: '#ff628c' },
    { bg: '#193549', fg: '#ffffff', cursor: '#ffc600', selection: '#0050a4' },
    ['#000000', '#ff2600', '#3ad900', '#ffc600', '#1478db', '#ff2c70', '#00c5c7', '#c7c7c7',
      '#686868', '#ff5e7d', '#87ff5f', '#ffe85f', '#5faeff', '#ff7fc3', '#5ffdff', '#ffffff'],
  ),
  theme(
    'high-contrast-dark', 'High Contrast Dark', true,
    { bg: '#000000', panel: '#0a0a0a', panel2: '#1a1a1a', border: '#8c8c8c', fg: '#ffffff', muted: '#d0d0d0', accent: '#ffd400', danger: '#ff6b6b' },
    { bg: '#000000', fg: '#ffffff', cursor: '#ffd400', selection: '#264f78' },
    ['#000000', '#ff5c5c', '#4ee44e', '#ffe14d', '#6cb6ff', '#ff7cff', '#4deaff', '#e6e6e6',
      '#8c8c8c', '#ff8a8a', '#86ff86', '#fff27a', '#9fd0ff', '#ffa8ff', '#8af3ff', '#ffffff'],
  ),
  theme(
    'high-contrast-light', 'High Contrast Light', false,
    { bg: '#ffffff', panel: '#ffffff', panel2: '#f0f0f0', border: '#000000', fg: '#000000', muted: '#333333', accent: '#0000c8', danger: '#b00000' },
    { bg: '#ffffff', fg: '#000000', cursor: '#0000c8', selection: '#9ec5ff' },
    ['#000000', '#b00000', '#006400', '#6b4f00', '#0000c8', '#8b008b', '#005f6b', '#4d4d4d',
      '#333333', '#d00000', '#007a00', '#7a5c00', '#1f1fff', '#a000a0', '#00707e', '#1a1a1a'],
  ),
];
