import { imageSourceOf } from '../src';

describe('the Content-Security-Policy source of an image URL', () => {
  it('is the scheme, host and port only, as the URL parser writes them', () => {
    expect(imageSourceOf('https://cdn.example.com/a/logo.png?v=1#x')).toBe('https://cdn.example.com');
    expect(imageSourceOf('HTTP://CDN.Example.com:8080/l.png')).toBe('http://cdn.example.com:8080');
    expect(imageSourceOf('https://cdn.example.com:443/l.png')).toBe('https://cdn.example.com');
    expect(imageSourceOf('https://user:pw@cdn.example.com/l.png')).toBe('https://cdn.example.com');
    expect(imageSourceOf('https://exämple.com/')).toBe('https://xn--exmple-cua.com');
    expect(imageSourceOf('http://192.0.2.1:81/')).toBe('http://192.0.2.1:81');
    expect(imageSourceOf('http://[2001:db8::1]:8080/l.png')).toBe('http://[2001:db8::1]:8080');
  });

  it('is null for a host a header could not carry as it is, or a URL that is not http(s)', () => {
    for (const value of [
      'https://a;sandbox/logo.png',
      'https://a%3Bsandbox/logo.png',
      'https://a,b.test/',
      "https://a'b.test/",
      'https://a"b.test/',
      'https://a%20b.test/',
      'https://a*.test/',
      'https://a b.test/',
      'javascript:alert(1)',
      'data:image/png;base64,AA',
      'not a url',
    ]) {
      expect({ value, source: imageSourceOf(value) }).toEqual({ value, source: null });
    }
  });
});
