/**
 * One session's terminal in the workspace: an xterm.js instance with its addons, its
 * TerminalConnection, fitting, touch gestures and bell. UI state that panes render lives in
 * signals that change only on state transitions (never per output chunk), so Preact does not
 * re-render while output streams.
 */
import { effect, signal } from '@preact/signals';
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import type { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';
import type { NotificationMsg } from '../protocol';
import { transformSoftInput } from '../keybar/sticky';
import { TerminalConnection } from './connection';
import { RENDERER_KEY, wantWebgl } from './renderer';
import { installTouch, type TouchHandle } from './touch';
import { ringBell } from './bell';
import { StartupSpinner } from './startup';
import { TuiFocus, mayTakeFocus } from './tuiFocus';
import { prefs } from '../state/prefs';
import { fontFamilyFor, loadTextFace, watchFontLoads, type TerminalFont } from './fonts';

export type Ended = { kind: 'exit'; code: number | null } | { kind: 'notfound' } | null;

/** Output right after an attach (the replay) is not unread, and its bells do not ring. */
const ATTACH_GRACE_MS = 2000;

/** A view-only link's terminal: the session's own size, and no key reaches the server. */
export interface ReadOnly {
  cols: number;
  rows: number;
  /** A key or paste was dropped (say so). */
  typed(): void;
}

export interface ViewHooks {
  notification(msg: NotificationMsg): void;
  /** The user pinched to this font size (persist it). */
  fontSizeChosen(size: number): void;
  /** The display name for bell notifications. */
  name(): string;
}

/** Load the WebGL renderer when wanted and available; the DOM renderer stays otherwise. */
async function tryWebgl(term: Terminal): Promise<void> {
  try {
    let pref: string | null = null;
    try {
      pref = localStorage.getItem(RENDERER_KEY);
    } catch {
      /* storage blocked */
    }
    if (!wantWebgl(pref, window.matchMedia('(pointer: coarse)').matches)) return;
    const probe = document.createElement('canvas').getContext('webgl2');
    if (!probe) return;
    probe.getExtension('WEBGL_lose_context')?.loseContext();
    const { WebglAddon } = await import('@xterm/addon-webgl');
    const addon = new WebglAddon();
    addon.onContextLoss(() => addon.dispose());
    term.loadAddon(addon);
  } catch {
    /* DOM renderer stays in place */
  }
}

export class TerminalView {
  readonly term: Terminal;
  /** Find's addon, loaded the first time Find opens (it is ~12 KB off the first load). */
  private search: Promise<SearchAddon> | null = null;
  readonly conn: TerminalConnection;
  readonly reconnecting = signal(false);
  readonly overlay = signal(false);
  /** The server said it restarts (close 1012): the reconnect UI says so until attached again. */
  readonly serverRestarting = signal(false);
  /** Reattached to a restarted server that kept the session: a notice that hides itself. */
  readonly restartNotice = signal(false);
  readonly ended = signal<Ended>(null);
  readonly notice = signal<string | null>(null);
  readonly scrolledUp = signal(false);
  readonly unread = signal(false);
  /** The first connect is slow: show the "starting shell…" spinner. */
  readonly starting = signal(false);
  private readonly spinner = new StartupSpinner((v) => (this.starting.value = v));
  private readonly tuiFocus = new TuiFocus();
  private readonly fitAddon = new FitAddon();
  private visible = false;
  private attachedAt = 0;
  private host: HTMLElement | null = null;
  private cleanups: Array<() => void> = [];
  private raf = 0;
  private scrollRaf = 0;
  private touch: TouchHandle | null = null;
  private font: TerminalFont;
  private readonly unwatchFontPref: () => void;
  private readonly outputWatchers = new Set<() => void>();
  /** Typing while disconnected overflowed what is held: say so once attached again. */
  private inputLost = false;

  constructor(
    readonly sessionId: string,
    opts: { fontSize: number; theme: ITheme; minimumContrastRatio: number },
    private readonly hooks: ViewHooks,
    private readonly readOnly: ReadOnly | null = null,
  ) {
    this.font = prefs.peek().terminalFont;
    if (this.font === 'bundled') void loadTextFace(); // start the fetch before the pane opens
    this.term = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      fontSize: opts.fontSize,
      fontFamily: fontFamilyFor(this.font),
      scrollback: 10000,
      lineHeight: 1.1,
      theme: opts.theme,
      minimumContrastRatio: opts.minimumContrastRatio,
    });
    this.term.loadAddon(this.fitAddon);
    this.term.loadAddon(new WebLinksAddon());
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    // Settings change the font of every open terminal at once.
    this.unwatchFontPref = effect(() => this.setFont(prefs.value.terminalFont));
    this.conn = new TerminalConnection(
      sessionId,
      {
        write: (d, done) => {
          this.spinner.settle();
          if (!this.visible && !this.unread.peek() && Date.now() - this.attachedAt > ATTACH_GRACE_MS) this.unread.value = true;
          this.term.write(d, done);
          for (const w of this.outputWatchers) w();
        },
        reset: () => this.term.reset(),
      },
      {
        reconnecting: (v) => (this.reconnecting.value = v),
        overlay: (v) => (this.overlay.value = v),
        serverRestarting: (v) => (this.serverRestarting.value = v),
        restartNotice: (v) => (this.restartNotice.value = v),
        exited: (code) => {
          this.spinner.settle();
          this.ended.value = { kind: 'exit', code };
        },
        notFound: () => {
          this.spinner.settle();
          this.ended.value = { kind: 'notfound' };
        },
        error: (m) => {
          this.spinner.settle();
          this.notice.value = m;
        },
        attached: () => {
          this.spinner.settle();
          this.attachedAt = Date.now();
          this.notice.value = this.inputLost ? 'Some keys typed while disconnected were not sent.' : null;
          this.inputLost = false;
        },
        inputDropped: () => (this.inputLost = true),
        notification: (msg) => this.hooks.notification(msg),
      },
    );
  }

  /** Put the terminal into `host` and connect. Called once, when the pane first mounts. */
  open(host: HTMLElement): void {
    if (this.host) return;
    this.host = host;
    const term = this.term;
    term.open(host);
    const subs = [
      term.onData((d) => this.send(transformSoftInput(d))),
      term.onBinary((d) => this.send(d)),
      term.onResize(({ cols, rows }) => !this.readOnly && this.conn.setSize(cols, rows)),
      term.onScroll(() => this.scheduleScrollCheck()),
      term.onWriteParsed(() => {
        this.scheduleScrollCheck();
        this.checkTui();
      }),
      term.buffer.onBufferChange(() => this.checkTui()),
      // Bells replayed with the scrollback on (re)attach are history, not news.
      term.onBell(() => Date.now() - this.attachedAt > ATTACH_GRACE_MS && ringBell(this.hooks.name())),
    ];
    this.cleanups.push(() => subs.forEach((s) => s.dispose()));
    const touched = () => this.tuiFocus.touched();
    host.addEventListener('pointerdown', touched, { capture: true });
    host.addEventListener('focusin', touched);
    this.cleanups.push(() => {
      host.removeEventListener('pointerdown', touched, { capture: true });
      host.removeEventListener('focusin', touched);
    });
    const ro = new ResizeObserver(() => this.scheduleFit());
    ro.observe(host);
    this.cleanups.push(() => ro.disconnect());
    this.touch = installTouch(host, {
      term,
      send: (d) => this.send(d),
      previewFontSize: (size) => this.setFontSize(size),
      commitFontSize: (size) => this.hooks.fontSizeChosen(size),
    });
    this.cleanups.push(() => this.touch?.dispose());
    // Touching anything in the pane (e.g. the scroll-to-bottom button) stops a coasting scroll.
    const pane = host.parentElement;
    const stopCoast = () => this.touch?.stop();
    pane?.addEventListener('touchstart', stopCoast, { capture: true, passive: true });
    this.cleanups.push(() => pane?.removeEventListener('touchstart', stopCoast, { capture: true }));
    // The cells were measured with whatever font was ready; measure again as ours arrive.
    this.cleanups.push(watchFontLoads(() => this.remeasure()));
    if (this.font === 'bundled') void loadTextFace().then((ok) => ok && this.remeasure());
    this.fitNow();
    this.spinner.begin();
    this.conn.start();
    void tryWebgl(term);
  }

  /** Call `cb` on every output chunk (keep it cheap: debounce); returns the unsubscribe. */
  watchOutput(cb: () => void): () => void {
    this.outputWatchers.add(cb);
    return () => this.outputWatchers.delete(cb);
  }

  send(data: string): void {
    if (data && this.readOnly) this.readOnly.typed();
    else if (data) this.conn.input(data);
  }

  setVisible(v: boolean): void {
    this.visible = v;
    if (v) {
      this.unread.value = false;
      this.scheduleFit();
    }
  }

  setFontSize(size: number): void {
    if (this.term.options.fontSize === size) return;
    this.term.options.fontSize = size;
    this.scheduleFit();
  }

  /** Switch between the bundled and the system font (cells are re-measured, output stays). */
  setFont(font: TerminalFont): void {
    if (font === this.font) return;
    this.font = font;
    this.term.options.fontFamily = fontFamilyFor(font);
    this.scheduleFit();
    if (font === 'bundled') void loadTextFace().then((ok) => ok && this.font === font && this.remeasure());
  }

  setTheme(theme: ITheme, minimumContrastRatio: number): void {
    this.term.options.minimumContrastRatio = minimumContrastRatio;
    this.term.options.theme = theme;
  }

  /** The search addon, loaded into this terminal on first use (Find). */
  loadSearch(): Promise<SearchAddon> {
    this.search ??= import('@xterm/addon-search').then(({ SearchAddon: Addon }) => {
      const addon = new Addon({ highlightLimit: 1000 });
      this.term.loadAddon(addon);
      return addon;
    }).catch((err: unknown) => {
      this.search = null; // a failed download is tried again next time
      throw err;
    });
    return this.search;
  }

  focus(): void {
    this.term.focus();
  }

  scrollToBottom(): void {
    this.touch?.stop();
    this.term.scrollToBottom();
    this.updateScrolled();
  }

  /** A full-screen program (nano, vim, htop) has the alternate screen. */
  inFullScreenApp(): boolean {
    return this.term.buffer.active.type === 'alternate';
  }

  /** The last `n` non-empty lines of the buffer, for the tab preview. */
  previewLines(n = 8): string[] {
    const buf = this.term.buffer.active;
    const out: string[] = [];
    let i = buf.length - 1;
    while (i >= 0 && !buf.getLine(i)?.translateToString(true).trim()) i--; // skip the blank tail
    for (; i >= 0 && out.length < n; i--) out.unshift(buf.getLine(i)?.translateToString(true) ?? '');
    return out;
  }

  scheduleFit(): void {
    cancelAnimationFrame(this.raf);
    this.raf = requestAnimationFrame(() => this.fitNow());
  }

  fitNow(): void {
    if (!this.host || !this.visible || this.host.clientWidth === 0) return; // hidden panes keep their size
    if (this.readOnly) {
      // A viewer never sizes the PTY: it shows the session's own grid (scrolling sideways).
      this.term.resize(this.readOnly.cols, this.readOnly.rows);
      return;
    }
    try {
      this.fitAddon.fit();
    } catch {
      /* not laid out yet */
    }
    this.conn.setSize(this.term.cols, this.term.rows);
  }

  dispose(): void {
    this.unwatchFontPref();
    this.spinner.settle();
    cancelAnimationFrame(this.raf);
    cancelAnimationFrame(this.scrollRaf);
    this.cleanups.forEach((c) => c());
    this.cleanups = [];
    this.conn.dispose();
    this.term.dispose();
  }

  /**
   * A full-screen program with mouse tracking or the alternate screen just ended: give the
   * textarea its focus back (clicks in mouse mode can leave it on xterm's screen element)
   * and drop any stale selection. Two property reads per parsed write; no Preact work.
   */
  private checkTui(): void {
    const term = this.term;
    const tui = term.modes.mouseTrackingMode !== 'none' || term.buffer.active.type === 'alternate';
    const active = document.activeElement;
    const inside = !!active && !!this.host?.contains(active);
    if (!this.tuiFocus.update(tui, inside)) return;
    if (!mayTakeFocus(active, document.body, inside)) return;
    term.clearSelection();
    if (active !== term.textarea) term.focus();
  }

  /**
   * A face of ours finished loading after xterm measured its cells: xterm only measures when
   * the font options change, so change them and back (same task, nothing painted in between).
   * That also empties the DOM renderer's glyph-width cache; the WebGL atlas is redrawn too,
   * since it holds fallback glyphs for icons drawn before their font was there.
   */
  private remeasure(): void {
    if (!this.host) return;
    const family = fontFamilyFor(this.font);
    this.term.options.fontFamily = 'monospace';
    this.term.options.fontFamily = family;
    this.term.clearTextureAtlas();
    this.scheduleFit();
  }

  /** Checked once per frame: mid-write the viewport can trail the buffer for a moment. */
  private scheduleScrollCheck(): void {
    if (this.scrollRaf) return;
    this.scrollRaf = requestAnimationFrame(() => {
      this.scrollRaf = 0;
      this.updateScrolled();
    });
  }

  private updateScrolled(): void {
    const buf = this.term.buffer.active;
    const up = buf.viewportY < buf.baseY;
    if (up !== this.scrolledUp.peek()) this.scrolledUp.value = up;
  }
}
