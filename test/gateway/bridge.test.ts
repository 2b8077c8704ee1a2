/**
 * Browser (WebSocket) users and terminal (TCP) users in one chat, through
 * the real gateway and the real chat server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killNetcats, netcat } from '../helpers/netcat.ts';
import { startGatewayOnUpstream, startStack } from './fixture.ts';

afterEach(killNetcats);

describe('a browser user and a terminal user chat with each other', () => {
  it('in a real terminal (nc): both see exactly what a netcat pair would', async () => {
    const s = await startStack();
    const term = netcat(s.chatPort);
    await term.sees('Digite seu nome:\n');
    term.type('bruno');
    await term.sees('Online (1): bruno\n');
    const web = await s.join('ana');
    expect(web.frames).toEqual(['Digite seu nome:', 'Bem-vindo, ana! Online (2): ana, bruno']);
    await term.sees('ana entrou no chat!\n');
    web.send('oi do navegador 🌐');
    await term.sees('ana: oi do navegador 🌐\n');
    term.type('oi do terminal 💻');
    expect(await web.next()).toBe('bruno: oi do terminal 💻');
    term.type('@ana só pra você');
    expect(await web.next()).toBe('[privado] bruno: só pra você');
    web.send('@bruno idem');
    await term.sees('[privado] ana: idem\n');
    web.close();
    await term.sees('ana saiu do chat.\n');
    expect(term.screen).toBe(
      [
        'Digite seu nome:',
        'Bem-vindo, bruno! Online (1): bruno',
        'ana entrou no chat!',
        'ana: oi do navegador 🌐',
        '[privado] ana: idem',
        'ana saiu do chat.',
        '',
      ].join('\n'),
    );
  });

  it('see each other join and leave', async () => {
    const s = await startStack();
    const web = await s.join('ana');
    const term = await s.joinTcp('bruno');
    expect(await web.next()).toBe('bruno entrou no chat!');
    web.send('/quit');
    expect(await term.next((l) => l.includes('ana'))).toBe('ana saiu do chat.');
    expect((await web.closed).code).toBe(1000);
  });

  it('send public and private lines both ways, accents and emoji intact', async () => {
    const s = await startStack();
    const web = await s.join('Zoë');
    const term = await s.joinTcp('joão');
    await web.next(); // join
    web.send('olá, ação! 🎉👩‍💻');
    expect(await term.next()).toBe('Zoë: olá, ação! 🎉👩‍💻');
    term.send('çà va? 日本語 🙂');
    expect(await web.next()).toBe('joão: çà va? 日本語 🙂');
    web.send('@joão só nós 🤫');
    expect(await term.next()).toBe('[privado] Zoë: só nós 🤫');
    term.send('@zoë combinado ✅');
    expect(await web.next()).toBe('[privado] joão: combinado ✅');
  });

  it('turns a frame holding newlines into several lines', async () => {
    const s = await startStack();
    const web = await s.join('ana');
    const term = await s.joinTcp('bruno');
    web.send('um\ndois\r\ntrês');
    expect([await term.next(), await term.next(), await term.next()]).toEqual([
      'ana: um',
      'ana: dois',
      'ana: três',
    ]);
  });
});

describe('nothing lost, split or reordered', () => {
  it('carries 1,000 lines each way complete and in order, one line per frame', async () => {
    const s = await startStack({ rate: 100_000, burst: 100_000 });
    const web = await s.join('web');
    const term = await s.joinTcp('term');
    await web.next(); // term's join
    const N = 1000;
    const line = (i: number) => `${i} ${'é🙂x'.repeat(i % 40)}`;
    for (let i = 0; i < N; i++) {
      web.send(line(i));
      term.send(line(i));
    }
    const base = web.frames.length;
    await web.waitForCount(base + N);
    await term.waitForCount(2 + N); // prompt, welcome, then the web lines
    expect(web.frames.slice(base)).toEqual(Array.from({ length: N }, (_, i) => `term: ${line(i)}`));
    const fromWeb = term.lines.filter((l) => l.startsWith('web: '));
    expect(fromWeb).toEqual(Array.from({ length: N }, (_, i) => `web: ${line(i)}`));
    expect(web.frames.every((f) => !f.includes('\n'))).toBe(true);
  });

  it('never splits a frame inside a line or a multi-byte character', async () => {
    // An upstream that dribbles its bytes one at a time, cutting every
    // character of 2, 3 and 4 bytes in the middle.
    const g = await startGatewayOnUpstream((socket) => {
      const bytes = Buffer.from('Digite seu nome:\nção 日本 🙂🎉\nfim\n');
      let i = 0;
      const tick = setInterval(() => {
        if (i >= bytes.length) return clearInterval(tick);
        socket.write(bytes.subarray(i, ++i));
      }, 1);
      socket.on('close', () => clearInterval(tick));
    });
    const web = g.open();
    await web.expect('Digite seu nome:');
    await web.expect('ção 日本 🙂🎉');
    await web.expect('fim');
  });

  it('re-encodes invalid UTF-8 from upstream as U+FFFD instead of breaking the browser socket', async () => {
    // A browser fails the whole connection (1007) on a text frame that is not UTF-8.
    const g = await startGatewayOnUpstream((socket) => {
      socket.write(
        Buffer.concat([
          Buffer.from('Digite seu nome:\nok \xff fim\n', 'latin1'),
          Buffer.from([0x61, 0xc3, 0x0a, 0xed, 0xa0, 0x80, 0x0a]),
          Buffer.from('depois ção\n'),
        ]),
      );
    });
    const web = g.open();
    await web.expect('Digite seu nome:');
    await web.expect('ok \uFFFD fim');
    await web.expect('a\uFFFD');
    await web.expect('\uFFFD\uFFFD\uFFFD');
    await web.expect('depois ção');
    expect(web.isClosed).toBe(false);
  });
});
