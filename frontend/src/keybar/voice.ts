/** Dictation through the Web Speech API (Chrome, Edge, Safari); absent elsewhere. */

interface Recognition {
  lang: string;
  continuous: boolean;
  interimResults: boolean;
  maxAlternatives: number;
  onresult: ((e: { resultIndex: number; results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }> }) => void) | null;
  onerror: ((e: { error: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
}
type RecognitionCtor = new () => Recognition;

function ctor(): RecognitionCtor | null {
  const w = window as unknown as { SpeechRecognition?: RecognitionCtor; webkitSpeechRecognition?: RecognitionCtor };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition ?? null;
}

export function speechSupported(): boolean {
  return typeof window !== 'undefined' && ctor() !== null;
}

export interface Dictation {
  stop(): void;
}

const ERRORS: Record<string, string> = {
  'not-allowed': 'Microphone access was denied',
  'service-not-allowed': 'Voice input is not allowed here',
  'no-speech': 'No speech heard',
  network: 'Voice input needs a network connection',
  'audio-capture': 'No microphone found',
};

/**
 * Listen for one utterance; `onText` gets the final transcript, `onEnd` runs once when
 * listening stops (with an error message when it failed).
 */
export function startDictation(onText: (text: string) => void, onEnd: (error?: string) => void): Dictation | null {
  const Ctor = ctor();
  if (!Ctor) return null;
  const rec = new Ctor();
  rec.lang = navigator.language || 'en-US';
  rec.continuous = false;
  rec.interimResults = false;
  rec.maxAlternatives = 1;
  let error: string | undefined;
  rec.onresult = (e) => {
    let text = '';
    for (let i = e.resultIndex; i < e.results.length; i++) {
      if (e.results[i].isFinal) text += e.results[i][0].transcript;
    }
    if (text) onText(text);
  };
  rec.onerror = (e) => {
    if (e.error !== 'aborted') error = ERRORS[e.error] ?? `Voice input failed (${e.error})`;
  };
  rec.onend = () => onEnd(error);
  try {
    rec.start();
  } catch {
    return null;
  }
  return { stop: () => rec.stop() };
}
