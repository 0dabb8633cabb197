import type { ReactNode } from 'react';
import { Button, Dialog, DialogBody, DialogFooter, DialogHeader } from '@backstage/ui';

/**
 * A modal that asks before a disruptive action. (Same contract as the one the
 * sandbox detail page keeps for itself.)
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  /** Not red when the action is harmless to undo (e.g. unarchive). */
  destructive?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { open, title, confirmLabel, children, destructive = true, onConfirm, onCancel } = props;
  return (
    <Dialog isOpen={open} onOpenChange={isOpen => !isOpen && onCancel()}>
      <DialogHeader>{title}</DialogHeader>
      <DialogBody>{children}</DialogBody>
      <DialogFooter>
        <Button variant="secondary" onPress={onCancel}>
          Cancel
        </Button>
        <Button variant="primary" destructive={destructive} onPress={onConfirm}>
          {confirmLabel}
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
