/**
 * IDE deep links. Sandboxes are reached over SSH through the portal host (see docs/users/ide.md):
 * VS Code Remote-SSH and JetBrains Gateway both connect to `<sshUser>@<sshHost>` with the
 * sandbox's name as the SSH host alias's user part, proxied by the portal's SSH gateway.
 */
export interface IdeLinkOptions {
  /** Host name users' SSH config knows the sandbox under, e.g. `my-box.sandbox.portal.example`. */
  sshHost: string;
  /** User inside the sandbox. */
  sshUser: string;
  /** Folder to open. */
  path: string;
}

export function vscodeRemoteLink({ sshHost, sshUser, path }: IdeLinkOptions): string {
  return `vscode://vscode-remote/ssh-remote+${encodeURIComponent(`${sshUser}@${sshHost}`)}${path}`;
}

export function jetbrainsGatewayLink({ sshHost, sshUser, path }: IdeLinkOptions): string {
  const params = new URLSearchParams({
    type: 'ssh',
    deploy: 'false',
    host: sshHost,
    port: '22',
    user: sshUser,
    projectPath: path,
  });
  return `jetbrains-gateway://connect#${params.toString()}`;
}

/** Name of a sandbox's catalog Resource entity (its namespace is the sandbox's workspace). */
export function sandboxEntityName(sandboxName: string): string {
  return `sandbox-${sandboxName}`;
}

/** Entity ref of a sandbox's catalog Resource: `resource:<workspace>/sandbox-<name>`. */
export function sandboxEntityRef(workspace: string, sandboxName: string): string {
  return `resource:${workspace}/${sandboxEntityName(sandboxName)}`;
}

/** Annotation on the catalog Resource that names the sandbox id. */
export const SANDBOX_ID_ANNOTATION = 'portal.sandbox/id';

/** Topic of the in-process events the sandbox backend publishes on every state change. */
export const SANDBOX_CHANGED_TOPIC = 'portal.sandbox.changed';
export interface SandboxChangedEvent {
  sandboxId: string;
  workspace: string;
  name: string;
  state: string;
}
