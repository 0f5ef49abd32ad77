/**
 * About: the running version, the update check (with "Update now" when this installation can
 * update itself, otherwise the command to run) and "What's new" from the changelog, rendered
 * with marked + DOMPurify loaded only when this panel opens.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { goToLogin } from '../api';
import { errorText } from '../errorText';
import { updateProgress } from '../state/events';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { changelogSections, UPDATE_RESTARTING, UPDATE_RUNNING, updateBanner } from './logic';
import { checkForUpdate, fetchVersion, followUpdate, restartWait, startUpdate, type UpdateCheck } from './update';
import './settings.css';

const SHOWN_RELEASES = 3;

async function fetchChangelog(): Promise<string> {
  const res = await fetch('/api/changelog', { credentials: 'same-origin' });
  if (res.status === 401) goToLogin();
  if (!res.ok) throw new Error(res.status === 404 ? 'No changelog is available for this installation.' : `Could not load the changelog (${res.status}).`);
  return res.text();
}

async function renderMarkdown(markdown: string): Promise<string> {
  const [{ marked }, { default: DOMPurify }] = await Promise.all([import('marked'), import('dompurify')]);
  return DOMPurify.sanitize(await marked.parse(markdown, { gfm: true }));
}

/** Open the changelog's links (issues, releases) in a new tab instead of leaving the app. */
function openExternal(e: MouseEvent) {
  const link = (e.target as HTMLElement).closest?.('a');
  if (!link || !/^https?:/.test(link.href) || new URL(link.href).origin === location.origin) return;
  e.preventDefault();
  window.open(link.href, '_blank', 'noopener,noreferrer');
}

function UpdateBox() {
  const check = useSignal<UpdateCheck | null>(null);
  const checking = useSignal(true);
  const error = useSignal<string | null>(null);
  const copied = useSignal(false);

  const run = async (force: boolean) => {
    checking.value = true;
    error.value = null;
    try {
      check.value = await checkForUpdate(force);
    } catch (err) {
      error.value = errorText(err);
    } finally {
      checking.value = false;
    }
  };
  const update = async () => {
    error.value = null;
    try {
      await startUpdate();
    } catch (err) {
      error.value = errorText(err);
    }
  };
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      copied.value = true;
    } catch {
      error.value = 'Copy failed: select the command and copy it.';
    }
  };

  useEffect(() => {
    void run(false);
    // An update started elsewhere (another device) may be running: pick it up.
    void followUpdate();
  }, []);

  const progress = updateProgress.value;
  const banner = updateBanner(progress);
  const active = !!progress && (UPDATE_RUNNING.has(progress.status) || UPDATE_RESTARTING.has(progress.status));
  const c = check.value;

  return (
    <div class="about-update" aria-live="polite">
      {banner ? (
        <p class={banner.tone === 'danger' ? 'error' : undefined}>{banner.text}</p>
      ) : checking.value ? (
        <p class="muted">Checking for updates…</p>
      ) : c && c.updateAvailable ? (
        <p>
          <strong>Version {c.latest} is available</strong> (you have {c.current}).
        </p>
      ) : c ? (
        <p>{c.latest ? `You are up to date (latest release ${c.latest}).` : 'Could not reach the package index to check for updates.'}</p>
      ) : null}
      {progress?.progress && active && <pre class="update-log">{progress.progress}</pre>}
      {restartWait.value === 'waiting' && <p class="muted">Waiting for the server to come back…</p>}
      {restartWait.value === 'gave-up' && (
        <p class="error" role="alert">
          The server has not come back. Start it again on the host, then reload this page.
        </p>
      )}
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {c && c.updateAvailable && !active && !c.canAutoUpdate && (
        <>
          <p class="muted">This installation ({c.method}) updates from the command line:</p>
          <code class="about-command">{c.command}</code>
        </>
      )}
      <div class="row">
        {c && c.updateAvailable && !active && c.canAutoUpdate && (
          <button type="button" class="btn primary" onClick={() => void update()}>
            Update now
          </button>
        )}
        {c && c.updateAvailable && !active && !c.canAutoUpdate && (
          <button type="button" class="btn" onClick={() => void copy(c.command)}>
            {copied.value ? 'Copied' : 'Copy command'}
          </button>
        )}
        {!active && (
          <button type="button" class="btn" disabled={checking.value} onClick={() => void run(true)}>
            Check for updates
          </button>
        )}
      </div>
    </div>
  );
}

function WhatsNew() {
  const sections = useSignal<{ title: string; body: string }[] | null>(null);
  const html = useSignal<string | null>(null);
  const all = useSignal(false);
  const error = useSignal<string | null>(null);

  useEffect(() => {
    fetchChangelog()
      .then((text) => (sections.value = changelogSections(text)))
      .catch((err: unknown) => (error.value = errorText(err)));
  }, []);

  useEffect(() => {
    const list = sections.value;
    if (!list) return;
    const shown = all.value ? list : list.slice(0, SHOWN_RELEASES);
    const markdown = shown.map((s) => `## ${s.title}\n\n${s.body}`).join('\n\n');
    renderMarkdown(markdown)
      .then((out) => (html.value = out))
      .catch(() => (error.value = 'Could not show the changelog.'));
  }, [sections.value, all.value]);

  if (error.value) return <p class="muted">{error.value}</p>;
  if (html.value === null) return <p class="muted">Loading the changelog…</p>;
  const more = (sections.value?.length ?? 0) > SHOWN_RELEASES && !all.value;
  return (
    <>
      <div class="changelog" onClick={openExternal} dangerouslySetInnerHTML={{ __html: html.value }} />
      {more && (
        <button type="button" class="btn" onClick={() => (all.value = true)}>
          Show older releases
        </button>
      )}
    </>
  );
}

export default function AboutPanel({ onClose }: PanelProps) {
  const version = useSignal<string | null>(null);
  useEffect(() => {
    fetchVersion()
      .then((v) => (version.value = v))
      .catch(() => (version.value = 'unknown'));
  }, []);

  return (
    <Sheet title="About TermBeam" onClose={onClose}>
      <div class="about-head">
        <img src="/icons/icon-192.png" alt="" width={48} height={48} />
        <div>
          <h3>TermBeam</h3>
          <p class="about-version">
            {version.value === null ? 'Version …' : `Version ${version.value}`}
          </p>
        </div>
      </div>
      <UpdateBox />
      <section class="settings-section" aria-label="What's new">
        <h3>What's new</h3>
        <WhatsNew />
      </section>
    </Sheet>
  );
}
