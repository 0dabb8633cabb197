import type { ReactNode } from 'react';
import { Button, Dialog, DialogBody, DialogFooter, DialogHeader } from '@backstage/ui';

/** A modal that asks before a disruptive action. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { open, title, confirmLabel, children, onConfirm, onCancel } = props;
  return (
    <Dialog isOpen={open} onOpenChange={isOpen => !isOpen && onCancel()}>
      <DialogHeader>{title}</DialogHeader>
      <DialogBody>{children}</DialogBody>
      <DialogFooter>
        <Button variant="secondary" onPress={onCancel}>
          Cancel
        </Button>
        <Button variant="primary" destructive onPress={onConfirm}>
          {confirmLabel}
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
