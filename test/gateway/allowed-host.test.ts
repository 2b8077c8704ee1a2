/**
 * The Host rule against DNS rebinding, as a pure function.
 */
import { describe, expect, it } from 'vitest';
import { isAllowedHost, parseAllowedHosts } from '../../gateway/allowed-host.ts';

describe('isAllowedHost', () => {
  it.each([
    'localhost',
    'localhost:8080',
    'LocalHost:8080',
    'chat.localhost:8080',
    'a.b.localhost',
    '127.0.0.1',
    '127.0.0.1:8080',
    '192.168.1.20:8080',
    '[::1]',
    '[::1]:8080',
    '[fe80::1]:80',
  ])('allows %s by default (names nobody else can point here, any port)', (host) => {
    expect(isAllowedHost(host, [])).toBe(true);
  });

  it.each([
    ['evil.example:8080', 'a name of someone else’s'],
    ['localhost.evil.example', 'localhost as a subdomain of another name'],
    ['evillocalhost', 'a name that only ends like localhost'],
    ['localhost.', 'a fully qualified localhost (resolved by DNS, not the browser)'],
    ['', 'empty'],
    ['user@localhost', 'userinfo'],
    ['localhost:8080:1', 'two ports'],
    ['localhost:port', 'a port that is not a number'],
    ['localhost/x', 'a path'],
    ['[::1', 'a bracket left open'],
    ['[localhost]', 'a name in brackets'],
    ['::1', 'IPv6 without brackets'],
    ['127.1', 'a shortened IPv4 form browsers would never send'],
    ['local host', 'a space'],
  ])('refuses %j (%s)', (host) => {
    expect(isAllowedHost(host, [])).toBe(false);
  });

  it('refuses a request without Host', () => {
    expect(isAllowedHost(undefined, [])).toBe(false);
  });

  it('allows ALLOWED_HOSTS names exactly, and with *. their subdomains only', () => {
    const allowed = parseAllowedHosts(['Chat.Example.com', '*.lan.example']);
    expect(isAllowedHost('chat.example.com:443', allowed)).toBe(true);
    expect(isAllowedHost('CHAT.EXAMPLE.COM', allowed)).toBe(true);
    expect(isAllowedHost('x.chat.example.com', allowed)).toBe(false);
    expect(isAllowedHost('example.com', allowed)).toBe(false);
    expect(isAllowedHost('pc1.lan.example:8080', allowed)).toBe(true);
    expect(isAllowedHost('a.b.lan.example', allowed)).toBe(true);
    expect(isAllowedHost('lan.example', allowed)).toBe(false);
    expect(isAllowedHost('evillan.example', allowed)).toBe(false);
  });
});

describe('parseAllowedHosts', () => {
  it.each(['http://chat.example', 'chat.example:8080', '*', '*.', 'a..b', 'chat example', '**.example'])(
    'refuses %j, saying what a valid entry looks like',
    (entry) => {
      expect(() => parseAllowedHosts([entry])).toThrow(`"${entry}" is not a host name: give a name or *.name`);
    },
  );
});
