/**
 * The key bar's mic key: a tap dictates one utterance (tap again to stop early); a swipe up
 * from the key locks it on, listening utterance after utterance until it is tapped again.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { speechSupported, startDictation, type Dictation } from './voice';

/** Restarts in a row, while locked, that end without a word: then it stops by itself. */
const MAX_SILENT_RESTARTS = 20;

export function useDictation(send: (text: string) => void, say: (text: string) => void) {
  const listening = useSignal(false);
  const locked = useSignal(false);
  const dictation = useRef<Dictation | null>(null);
  const silent = useRef(0);
  const sendRef = useRef(send);
  sendRef.current = send;
  const supported = speechSupported();

  useEffect(
    () => () => {
      locked.value = false;
      dictation.current?.stop();
    },
    [],
  );

  const listen = (): boolean => {
    const d = startDictation(
      (text) => {
        silent.current = 0;
        sendRef.current(text);
      },
      (error) => {
        dictation.current = null;
        silent.current += 1;
        // Locked: the recogniser ends after each utterance or a pause; start the next one.
        if (locked.value && !error && silent.current <= MAX_SILENT_RESTARTS && listen()) return;
        locked.value = false;
        listening.value = false;
        if (error) say(error);
      },
    );
    if (!d) return false;
    dictation.current = d;
    listening.value = true;
    return true;
  };

  const stop = () => {
    locked.value = false;
    dictation.current?.stop();
  };

  const toggle = () => {
    if (!supported) return say('Voice input is not supported in this browser');
    if (dictation.current || locked.value) return stop();
    silent.current = 0;
    if (!listen()) say('Could not start voice input');
  };

  /** The swipe up: keep listening until the next tap. */
  const lock = () => {
    if (!supported) return say('Voice input is not supported in this browser');
    silent.current = 0;
    locked.value = true;
    if (!dictation.current && !listen()) {
      locked.value = false;
      return say('Could not start voice input');
    }
    say('Voice input locked on: tap the mic to stop');
  };
  return { listening: listening.value, locked: locked.value, supported, toggle, lock };
}
