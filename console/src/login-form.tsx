import { useState } from 'preact/hooks';
import type { Login } from './server-api.js';

/** The server wants credentials: an ACL user (or `default`, for requirepass) and its password. */
export function LoginForm({ onLogin }: { onLogin: (login: Login) => Promise<string | undefined> }) {
  const [user, setUser] = useState('default');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  return (
    <form
      class="login"
      onSubmit={async (event) => {
        event.preventDefault();
        setError(await onLogin({ user, password }));
      }}
    >
      <h1>Eddy</h1>
      <p class="muted">This server asks for a password (requirepass or an ACL user).</p>
      <label>
        User <input name="user" value={user} onInput={(e) => setUser(e.currentTarget.value)} autocomplete="username" />
      </label>
      <label>
        Password <input name="password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autocomplete="current-password" />
      </label>
      <button type="submit">Sign in</button>
      {error === undefined ? null : <p class="error">{error}</p>}
    </form>
  );
}
