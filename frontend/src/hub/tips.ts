/** Short tips shown on the empty hub, one at a time (own wording; about this app's features). */
export const TIPS: string[] = [
  'Sessions keep running when you close the tab. Come back from any device and pick up where you left off.',
  'Pick a folder in the new-session sheet and the session is named after it automatically.',
  'Set a default folder and start-up command in Settings so every new session opens ready to go.',
  'Save the sessions you have open as a workspace, then bring them all back later with one tap.',
  'On a phone, swipe a session card to the left to reveal its Delete button.',
  'The filter bar appears once you have a few sessions: search by name, folder, branch or shell.',
  'A dot on a card means the session printed something since you last looked at it.',
  'Give each session its own colour so you can tell them apart at a glance.',
  'Cards show the live working directory: cd in the shell and the hub follows.',
  'Inside a git repository, the card shows the branch and whether the tree has changes.',
  'Detected AI coding agents (Claude Code, Copilot, Aider, …) can be launched from the Agents tab in one tap.',
  'Share access for five minutes with a one-time link from the terminal’s tools; it works once and then expires.',
  'The touch bar has Esc, Tab, Ctrl and arrow keys that a phone keyboard lacks; customise it in Settings.',
  'Pinch the terminal to change the font size on a touch screen.',
  'Use the preview button to open a web app running in a session through the same connection.',
  'Several devices can watch the same session at once; the card counts how many are connected.',
  'Add TermBeam to your home screen for a full-screen terminal without browser bars.',
  'Turn on notifications to hear when a long command finishes while you are elsewhere.',
  'Files can be uploaded straight into a session’s folder from the tools sheet.',
  'The code viewer shows diffs and blame for the session’s repository without leaving the browser.',
  'Ctrl+Shift+K (Cmd+K on a Mac) opens the tools sheet in the terminal; plain Ctrl+K stays with the shell.',
  'Ctrl+Shift+F finds in the terminal; Settings → Keyboard can give plain Ctrl+K and Ctrl+F to the app instead.',
  'Themes switch the whole app, terminal included, between dark and light palettes.',
  'From another terminal, `termbeam list` shows running sessions and `termbeam attach` joins one.',
  'A dropped connection reconnects on its own and replays what you missed.',
  'Use an initial command such as `npm run dev` to start a session already doing its job.',
];

/** The tip to show at index i, wrapping in both directions. */
export function tipAt(i: number): string {
  const n = TIPS.length;
  return TIPS[((i % n) + n) % n];
}
