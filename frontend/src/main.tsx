/** Entry point: routes on location.pathname (the server serves index.html at /, /login, /terminal). */
import { render } from 'preact';
import { App } from './app';
import { registerServiceWorker } from './notify';
import './styles.css';

render(<App />, document.getElementById('app') as HTMLElement);
registerServiceWorker();
