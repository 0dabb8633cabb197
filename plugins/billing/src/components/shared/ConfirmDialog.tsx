import type { ReactNode } from 'react';
import { Button, Dialog, DialogBody, DialogFooter, DialogHeader } from '@backstage/ui';

/** A modal that asks before an action that cannot be taken back. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  destructive?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { open, title, confirmLabel, children, destructive = false, busy, onConfirm, onCancel } =
    props;
  return (
    <Dialog isOpen={open} onOpenChange={isOpen => !isOpen && onCancel()}>
      <DialogHeader>{title}</DialogHeader>
      <DialogBody>{children}</DialogBody>
      <DialogFooter>
        <Button variant="secondary" onPress={onCancel}>
          Cancel
        </Button>
        <Button variant="primary" destructive={destructive} isDisabled={busy} onPress={onConfirm}>
          {confirmLabel}
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
