/** A QR code of `text`, drawn as an SVG; the encoder loads only when one is shown. */
import { qrPath } from './logic';
import { useLazy } from '../ui/useLazy';

interface Qr {
  count: number;
  path: string;
}

async function encodeQr(text: string): Promise<Qr> {
  const { default: qrcode } = await import('qrcode-generator');
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  return { count, path: qrPath(count, (r, c) => qr.isDark(r, c)) };
}

export function QrCode({ text, label }: { text: string; label: string }) {
  const qr = useLazy(() => encodeQr(text), { now: true, key: text });
  if (qr.failed.value) return <p class="muted">Could not draw the QR code; copy the link instead.</p>;
  const q = qr.value.value;
  const quiet = 4; // the blank margin scanners need around a QR code
  return (
    <div class="share-qr">
      {q ? (
        <svg role="img" aria-label={label} viewBox={`${-quiet} ${-quiet} ${q.count + 2 * quiet} ${q.count + 2 * quiet}`} shape-rendering="crispEdges">
          <path class="qr-on" d={q.path} />
        </svg>
      ) : (
        <p class="muted">Drawing the QR code…</p>
      )}
    </div>
  );
}
