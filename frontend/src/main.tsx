/** Entry point: routes on location.pathname (the server serves index.html at /, /login, /terminal). */
import { effect } from '@preact/signals';
import { render } from 'preact';
import { App } from './app';
import { registerServiceWorker } from './notify';
import { Splash } from './splash/Splash';
import { loadPrefs } from './state/prefs';
import { activeTheme, applyTheme } from './themes';
import './styles.css';
import './ui/touch.css';

// Runs now (the cached prefs' theme before the first render) and again whenever the theme
// preference, or the OS colour scheme for the "system" theme, changes.
effect(() => applyTheme(activeTheme.value));

// The login page has no session yet: its 401 would only bounce back to /login.
const prefsLoaded = location.pathname.replace(/\/+$/, '') !== '/login' ? loadPrefs() : null;

render(
  <>
    <App />
    <Splash prefsLoaded={prefsLoaded} />
  </>,
  document.getElementById('app') as HTMLElement,
);
registerServiceWorker();
