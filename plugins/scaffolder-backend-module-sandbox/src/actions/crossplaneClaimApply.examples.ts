import { TemplateExample } from '@backstage/plugin-scaffolder-node';

// Written as YAML text rather than with yaml.stringify: `yaml` is only a devDependency here.
export const examples: TemplateExample[] = [
  {
    description:
      'Create a small PostgreSQL 16 database in the namespace of workspace team-a.',
    example: `steps:
  - id: database
    action: crossplane:claim:apply
    name: Create database
    input:
      kind: Database
      name: orders
      workspace: team-a
      spec:
        version: '16'
        size: small
        storageGB: 20
        databaseName: orders
`,
  },
  {
    description:
      'Create a versioned bucket whose objects expire after 30 days, on the GCP compositions, in an explicit namespace.',
    example: `steps:
  - id: bucket
    action: crossplane:claim:apply
    name: Create bucket
    input:
      kind: Bucket
      name: reports
      namespace: ws-analytics
      provider: gcp
      labels:
        team: analytics
      spec:
        versioning: true
        expireAfterDays: 30
`,
  },
  {
    description:
      'Check a workspace (namespace ws-team-b with quota and RBAC) with a server-side dry run: the API server admits it without storing it.',
    example: `steps:
  - id: workspace
    action: crossplane:claim:apply
    name: Check workspace
    input:
      kind: Workspace
      name: team-b
      dryRun: true
      spec:
        displayName: Team B
        quota:
          cpu: '8'
          memory: 16Gi
          maxSandboxes: 10
        members:
          - kind: Group
            name: team-b
`,
  },
];
