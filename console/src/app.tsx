import { useEffect, useState } from 'preact/hooks';
import { HealthView } from './health-view.js';
import { HistoryView } from './history-view.js';
import { KeysView } from './keys-view.js';
import { LiveLogView } from './live-log-view.js';
import { LoginForm } from './login-form.js';
import { command, CommandError, useLogin, type Login } from './server-api.js';

const TABS = ['Live log', 'Keys', 'History', 'Health'] as const;
type Tab = (typeof TABS)[number];

/**
 * The console: nothing is shown until the server answers PING, so with requirepass or ACL users the
 * login comes first; the views then run every request as that user.
 */
export function App() {
  const [status, setStatus] = useState<'checking' | 'login' | 'ready' | 'unreachable'>('checking');
  const [problem, setProblem] = useState('');
  const [user, setUser] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>('Live log');
  const [historyKey, setHistoryKey] = useState('');

  useEffect(() => {
    command('PING').then(
      () => setStatus('ready'),
      (error: unknown) => {
        // NOAUTH (401): credentials first. Anything else is no reason to ask for a password.
        if (error instanceof CommandError && error.status === 401) return setStatus('login');
        setProblem(error instanceof Error ? error.message : String(error));
        setStatus('unreachable');
      },
    );
  }, []);

  const logIn = async (login: Login): Promise<string | undefined> => {
    useLogin(login);
    try {
      await command('PING');
      setUser(login.user);
      setStatus('ready');
      return undefined;
    } catch (error) {
      useLogin(undefined);
      return error instanceof CommandError ? error.message : String(error);
    }
  };

  if (status === 'checking') return <p class="muted">connecting…</p>;
  if (status === 'unreachable') return <p class="error">The server did not answer PING: {problem}</p>;
  if (status === 'login') return <LoginForm onLogin={logIn} />;
  // Views stay mounted when hidden: the live log keeps following while keys are browsed.
  return (
    <div class="console">
      <header>
        <h1>Eddy</h1>
        <nav>
          {TABS.map((name) => (
            <button key={name} class={name === tab ? 'tab active' : 'tab'} onClick={() => setTab(name)}>
              {name}
            </button>
          ))}
        </nav>
        <span class="muted">{user === undefined ? '' : `signed in as ${user}`}</span>
      </header>
      <main>
        <section hidden={tab !== 'Live log'} data-view="live">
          <LiveLogView />
        </section>
        <section hidden={tab !== 'Keys'} data-view="keys">
          <KeysView
            onHistory={(key) => {
              setHistoryKey(key);
              setTab('History');
            }}
          />
        </section>
        <section hidden={tab !== 'History'} data-view="history">
          <HistoryView initialKey={historyKey} />
        </section>
        <section hidden={tab !== 'Health'} data-view="health">
          <HealthView active={tab === 'Health'} />
        </section>
      </main>
    </div>
  );
}
