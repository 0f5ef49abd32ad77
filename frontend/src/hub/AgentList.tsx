/** The new-session sheet's Agents tab: the folder, and one launch button per detected agent. */
import { FolderField, SheetError } from './FolderField';
import type { NewSessionState } from './useNewSession';
import { agentCommand } from './workspaces';

export function AgentList({ ids, s }: { ids: string; s: NewSessionState }) {
  const agents = s.agents.value;
  const busy = s.busy.value;
  return (
    <div class="ns-agents">
      <FolderField ids={ids} s={s} />
      <SheetError s={s} />
      {agents === null ? (
        <p class="muted">Looking for AI agents on the server…</p>
      ) : agents.length === 0 ? (
        <p class="muted">No AI coding agents were found on the server’s PATH (Claude Code, Copilot, Aider, Codex, OpenCode).</p>
      ) : (
        <ul class="ns-agent-list" aria-label="Detected agents">
          {agents.map((a) => (
            <li key={a.id}>
              <button type="button" class="ns-agent" disabled={busy !== null} onClick={() => s.launchAgent(a)} aria-label={`Launch ${a.name}`}>
                <span class="ns-agent-name">{a.name}</span>
                <span class="muted ns-agent-meta">
                  {agentCommand(a)}
                  {a.version ? ` · ${a.version}` : ''}
                </span>
                <span class="ns-agent-go" aria-hidden="true">
                  {busy === a.id ? '…' : '▶'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
