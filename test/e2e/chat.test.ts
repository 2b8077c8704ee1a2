/**
 * The page in real headless Chromium, against the real gateway and TCP
 * server, with a real netcat user: everything a person would do, checked by
 * what they would see.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type Netcat, joinChat, message, say, screenshot, useStack } from './fixture.ts';

describe('two browser users and a netcat user', () => {
  const stack = useStack();
  let ana: Page; // English, light, desktop
  let bob: Page; // Portuguese, dark, 360-px phone
  let nina: Netcat;
  let anaErrors: string[] = [];
  let bobErrors: string[] = [];

  beforeAll(async () => {
    // Ana's timers can be paused, to choose when her page retries during the restart test.
    ({ page: ana, errors: anaErrors } = await stack.open({
      locale: 'en-US',
      colorScheme: 'light',
      viewport: { width: 1280, height: 800 },
      clock: true,
    }));
    ({ page: bob, errors: bobErrors } = await stack.open({
      locale: 'pt-BR',
      colorScheme: 'dark',
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    }));
  });

  it('a new user picks a name checked as they type, and joins', async () => {
    await ana.goto(stack.gateway.url);
    const name = ana.locator('#name');
    await name.waitFor();
    expect(await ana.locator('h1').textContent()).toBe('Join the chat');

    await name.fill('ana maria');
    // What is wrong is said in words, and the error goes as soon as the name is fixed.
    await ana.getByText('Spaces are not allowed.').waitFor();
    expect(await ana.locator('form.prompt button[type=submit]').isDisabled()).toBe(true);
    await screenshot(ana, '01-name-prompt-invalid');
    await name.fill('ana!');
    await ana.getByText('“!” is not allowed.').waitFor();
    expect(await ana.getByText('Spaces are not allowed.').count()).toBe(0);

    await joinChat(ana, 'ana');
    expect(await ana.locator('.whoami strong').textContent()).toBe('ana');
    // Keyboard users land in the composer: they can type at once, no Tab hunting.
    await ana.locator('#composer:focus').waitFor();
    await ana.locator('.system', { hasText: 'Welcome, ana!' }).waitFor();
    expect(await ana.locator('#online li').allTextContents()).toEqual([expect.stringContaining('ana')]);
    // The name is remembered for next time.
    expect(await ana.evaluate(() => localStorage.getItem('chat.name'))).toBe('ana');
  });

  it('a taken name is answered in the prompt, in the page language', async () => {
    nina = await stack.terminalUser('nina');
    await nina.sees('Bem-vindo, nina! Online (2): ana, nina\n');
    await ana.locator('.system', { hasText: 'nina joined' }).waitFor();
    await ana.locator('#online', { hasText: 'nina' }).waitFor();

    await bob.goto(stack.gateway.url);
    expect(await bob.locator('h1').textContent()).toBe('Entre no chat');
    await bob.locator('#name').fill('ANA');
    await bob.locator('form.prompt button[type=submit]').click();
    await bob.getByText('O nome ANA já está em uso. Tente outro.').waitFor();
    await screenshot(bob, '02-name-taken-phone-dark-pt');
    // The server's answer was about that name: editing it clears the error.
    await bob.locator('#name').press('Backspace');
    await bob.getByText('O nome ANA já está em uso. Tente outro.').waitFor({ state: 'detached' });
    expect(await bob.locator('#name').getAttribute('aria-invalid')).toBe('false');
    await joinChat(bob, 'bob');
    await ana.locator('.system', { hasText: 'bob joined' }).waitFor();
    await nina.sees('bob entrou no chat!\n');
    expect(await bob.locator('.users-toggle').textContent()).toContain('Online (3)');
  });

  it('everyone chats with everyone: browser to browser, browser to terminal and back', async () => {
    await ana.locator('#composer').fill('Hello everyone! Docs at https://example.com/docs.');
    await ana.keyboard.press('Enter');
    const own = message(ana, 'Hello everyone!');
    await own.waitFor();
    expect(await own.getAttribute('class')).toContain('own');
    expect(await ana.locator('#composer').inputValue()).toBe('');
    await message(bob, 'Hello everyone!').waitFor();
    expect(await message(bob, 'Hello everyone!').locator('.from').textContent()).toBe('ana');
    const link = message(bob, 'Hello everyone!').locator('a');
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    await nina.sees('ana: Hello everyone! Docs at https://example.com/docs.\n');

    await say(bob, 'Oi, gente! Tudo bem? 😀');
    await message(ana, 'Oi, gente! Tudo bem? 😀').waitFor();
    await nina.sees('bob: Oi, gente! Tudo bem? 😀\n');

    nina.type('olá do terminal, ação!');
    await message(ana, 'olá do terminal, ação!').waitFor();
    await message(bob, 'olá do terminal, ação!').waitFor();
    expect(await message(ana, 'olá do terminal, ação!').locator('.from').textContent()).toBe('nina');
  });

  it('the @ autocomplete, used with the keyboard, sends a private message only its recipient sees', async () => {
    const composer = ana.locator('#composer');
    await composer.focus();
    await ana.keyboard.type('@');
    const list = ana.getByRole('listbox');
    await list.waitFor();
    expect(await list.getByRole('option').allTextContents()).toEqual([
      expect.stringContaining('bob'),
      expect.stringContaining('nina'),
    ]);
    expect(await composer.getAttribute('aria-expanded')).toBe('true');
    await ana.keyboard.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).textContent()).toContain('nina');
    await ana.keyboard.press('ArrowUp');
    expect(await list.getByRole('option', { selected: true }).textContent()).toContain('bob');
    await screenshot(ana, '03-mention-autocomplete');
    await ana.keyboard.press('Tab');
    await list.waitFor({ state: 'detached' });
    expect(await composer.inputValue()).toBe('@bob ');
    await ana.getByText('Will go privately to bob').waitFor();
    await ana.keyboard.type('the secret is 42');
    await ana.keyboard.press('Enter');

    const mine = message(ana, 'the secret is 42');
    await mine.waitFor();
    expect(await mine.locator('.private-tag').textContent()).toContain('private to bob');
    const theirs = message(bob, 'the secret is 42');
    await theirs.waitFor();
    expect(await theirs.locator('.private-tag').textContent()).toContain('privado de ana');

    // Lines arrive in order: once nina sees the next public line, the private one would have come before it.
    await say(ana, 'public marker after the secret');
    await nina.sees('ana: public marker after the secret\n');
    expect(nina.screen).not.toContain('secret is 42');

    // Private from the terminal to a browser user, and Tab completion back.
    nina.type('@ana psiu, só pra você');
    const fromNina = message(ana, 'psiu, só pra você');
    await fromNina.waitFor();
    expect(await fromNina.locator('.private-tag').textContent()).toContain('private from nina');
    await composer.fill('');
    await composer.focus();
    await ana.keyboard.type('@ni');
    await ana.keyboard.press('Escape'); // close the list: Tab now completes IRC-style
    await ana.getByRole('listbox').waitFor({ state: 'detached' });
    await ana.keyboard.press('Tab');
    expect(await composer.inputValue()).toBe('@nina ');
    await ana.keyboard.type('got it');
    await ana.keyboard.press('Enter');
    await nina.sees('[privado] ana: got it\n');
    await screenshot(ana, '04-private-messages');
  });

  it('a private message to someone who is not online is marked as not delivered, in one message', async () => {
    await say(ana, '@ghost are you there?');
    const item = message(ana, 'are you there?');
    await item.locator('.state', { hasText: 'Not delivered: User ghost is not online.' }).waitFor();
    // The server's answer arrives in the same batch as nothing else: no separate notice line repeats it.
    expect(await ana.locator('.system.notice', { hasText: 'ghost' }).count()).toBe(0);
  });

  it('a mention of me is highlighted', async () => {
    nina.type('hey @Ana, look at this');
    const item = message(ana, 'look at this');
    await item.waitFor();
    expect(await item.getAttribute('class')).toContain('mention');
    expect(await item.locator('.at.me').textContent()).toBe('@Ana');
    const background = await item.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).not.toBe('rgba(0, 0, 0, 0)');
    // The same line is not a mention for bob.
    const forBob = message(bob, 'look at this');
    await forBob.waitFor();
    expect(await forBob.getAttribute('class')).not.toContain('mention');
    await screenshot(ana, '05-mention-highlight');
  });

  it('counts unread messages in the tab title while hidden, and offers notifications without asking', async () => {
    // Never asked on load: the permission is still undecided and a button offers it.
    expect(await ana.evaluate(() => Notification.permission)).toBe('default');
    await ana.getByRole('button', { name: 'Enable notifications' }).waitFor();
    expect(await ana.title()).toBe('Chat');

    const setHidden = (hidden: boolean) =>
      ana.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    nina.type('first while away');
    nina.type('second while away');
    await message(ana, 'second while away').waitFor();
    await ana.waitForFunction(() => document.title === '(2) Chat');
    await setHidden(false);
    await ana.waitForFunction(() => document.title === 'Chat');
  });

  it('HTML sent from netcat is shown as text and never runs', async () => {
    const html = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b> javascript:alert(1)';
    nina.type(html);
    const item = message(ana, 'window.pwned=2');
    await item.waitFor();
    expect(await item.locator('.text').textContent()).toBe(html);
    expect(await ana.locator('.list img, .list script, .list b').count()).toBe(0);
    expect(await item.locator('a').count()).toBe(0);
    expect(await ana.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await message(bob, 'window.pwned=2').waitFor();
    expect(await bob.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('the online list starts a private message, and a leave is shown', async () => {
    // On the phone the list opens as a drawer.
    await bob.locator('.users-toggle').click();
    await bob.locator('#online').waitFor();
    await screenshot(bob, '06a-phone-online-drawer');
    await bob.getByRole('button', { name: 'Fechar' }).click();
    await bob.locator('#online').waitFor({ state: 'hidden' });
    await bob.locator('.users-toggle').click();
    await bob.locator('#online button', { hasText: 'nina' }).click();
    await bob.locator('#online').waitFor({ state: 'hidden' });
    expect(await bob.locator('#composer').inputValue()).toBe('@nina ');
    await bob.getByText('Vai em privado para nina').waitFor();
    await screenshot(bob, '06-phone-dark-pt');
    await bob.locator('#composer').fill('');

    nina.type('/quit');
    await ana.locator('.system', { hasText: 'nina left' }).waitFor();
    await bob.locator('.system', { hasText: 'nina saiu' }).waitFor();
    await ana.locator('#online', { hasNotText: 'nina' }).waitFor();
    expect(await ana.locator('#online h2').textContent()).toContain('2');
    nina.hangUp();
    await nina.exited;

    // A private message to someone who left: one clear message on the message itself.
    await say(bob, '@nina ainda está aí?');
    await message(bob, 'ainda está aí?').locator('.state', { hasText: 'Não entregue: Usuário nina não está online.' }).waitFor();
    expect(await bob.locator('.system.notice', { hasText: 'nina' }).count()).toBe(0);
  });

  it('the TCP server restarts: the page reconnects, rejoins and delivers what was typed offline', async () => {
    const port = stack.tcp.port;
    await stack.stopTcp();
    await ana.locator('.status.reconnecting, .status.connecting').first().waitFor();
    await bob.locator('.status:not(.online)').waitFor();
    await ana.locator('.offline').waitFor();
    // Hold Ana's retries until bob and a terminal user are back, so that someone is there to receive.
    await ana.clock.pauseAt(Date.now() + 60_000);

    await say(ana, 'typed while offline');
    const pending = message(ana, 'typed while offline');
    await pending.locator('.state', { hasText: 'waiting to send' }).waitFor();
    await ana.getByText('Waiting to send: 1').waitFor();
    await screenshot(ana, '07-offline-pending');

    expect((await stack.restartTcp()).port).toBe(port);
    const watcher = await stack.terminalUser('watcher');
    await bob.locator('.status.online').waitFor({ timeout: 20_000 });
    await bob.locator('.system', { hasText: 'Reconectado.' }).waitFor();
    await watcher.sees('bob entrou no chat!\n');

    await ana.clock.resume();
    await ana.locator('.status.online').waitFor({ timeout: 20_000 });
    await watcher.sees('ana entrou no chat!\n');
    await watcher.sees('ana: typed while offline\n');
    await message(bob, 'typed while offline').waitFor();
    await pending.locator('.state').waitFor({ state: 'detached' });
    await ana.locator('.system', { hasText: 'Reconnected.' }).waitFor();
    expect(await ana.locator('.whoami strong').textContent()).toBe('ana');
    expect(await ana.locator('.offline').count()).toBe(0);
    await screenshot(ana, '08-reconnected');
  });

  it('threw no errors in either page', () => {
    expect(anaErrors).toEqual([]);
    expect(bobErrors).toEqual([]);
  });
});
