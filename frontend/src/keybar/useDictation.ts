/** The key bar's mic key: start and stop dictation, typing what is heard into the session. */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { speechSupported, startDictation, type Dictation } from './voice';

export function useDictation(send: (text: string) => void, say: (text: string) => void) {
  const listening = useSignal(false);
  const dictation = useRef<Dictation | null>(null);
  const sendRef = useRef(send);
  sendRef.current = send;
  const supported = speechSupported();

  useEffect(() => () => dictation.current?.stop(), []);

  const toggle = () => {
    if (!supported) return say('Voice input is not supported in this browser');
    if (dictation.current) {
      dictation.current.stop();
      return;
    }
    const d = startDictation(
      (text) => sendRef.current(text),
      (error) => {
        dictation.current = null;
        listening.value = false;
        if (error) say(error);
      },
    );
    if (!d) return say('Could not start voice input');
    dictation.current = d;
    listening.value = true;
  };
  return { listening: listening.value, supported, toggle };
}
