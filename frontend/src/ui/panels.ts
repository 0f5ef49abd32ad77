/**
 * The contract between the terminal workspace and the panels it opens from the tools sheet
 * (files, upload, markdown, code viewer, settings, about, share). Each panel module
 * default-exports a component taking PanelProps, so the workspace can lazy-load it.
 */
export interface PanelProps {
  /** The session the panel was opened from (its live cwd is the starting folder). */
  sessionId: string;
  /** Close the panel (Esc and the close button call this). */
  onClose: () => void;
  /** Type text into that session's terminal (e.g. an uploaded file's path). */
  send: (data: string) => void;
}
