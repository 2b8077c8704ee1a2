/**
 * Getting my attention: the unread count in the tab title while the tab is
 * hidden, and desktop notifications for private messages and mentions once I
 * turn them on (the permission is asked only from the button).
 */
import type { MessageItem } from './message-log.svelte.ts';
import type { Strings } from './i18n.ts';

export type Permission = NotificationPermission | 'unsupported';

export class Attention {
  /** Messages from others since the tab was hidden (shown in the title, not in the page). */
  private unread = 0;
  permission = $state.raw<Permission>('unsupported');

  constructor(
    private readonly baseTitle: string,
    private readonly t: Strings,
  ) {
    if (typeof Notification !== 'undefined') this.permission = Notification.permission;
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.set(0);
    });
  }

  message(item: MessageItem): void {
    if (document.hidden) this.set(this.unread + 1);
    const important = item.peer !== null || item.mention;
    if (important && this.permission === 'granted' && (document.hidden || !document.hasFocus())) {
      const title = item.peer !== null ? this.t.privateFromTitle(item.from) : this.t.mentionTitle(item.from);
      const n = new Notification(title, { body: item.text, tag: `chat-${item.id}` });
      n.onclick = () => {
        window.focus();
        n.close();
      };
    }
  }

  async request(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    this.permission = await Notification.requestPermission();
  }

  private set(n: number): void {
    this.unread = n;
    document.title = n > 0 ? `(${n}) ${this.baseTitle}` : this.baseTitle;
  }
}
