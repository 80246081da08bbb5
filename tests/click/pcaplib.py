"""Packet building and pcap reading/writing for the Click tests (stdlib only)."""
import struct

def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))

def ip(s):
    return bytes(int(x) for x in s.split('.'))

def ipstr(b):
    return '.'.join(str(x) for x in b)

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def eth(dst, src, etype, payload):
    return mac(dst) + mac(src) + struct.pack('!H', etype) + payload

def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0, options=b'', tos=0,
         total_len=None, version=4, ihl=None, bad_sum=False):
    hl = 20 + len(options)
    if ihl is None:
        ihl = hl // 4
    tl = total_len if total_len is not None else hl + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', (version << 4) | ihl, tos, tl, ident, frag, ttl, proto, 0,
                    ip(src), ip(dst)) + options
    s = csum(h)
    if bad_sum:
        s ^= 0x5555
    h = h[:10] + struct.pack('!H', s) + h[12:]
    return h + payload

def pseudo(src, dst, proto, length):
    return ip(src) + ip(dst) + struct.pack('!BBH', 0, proto, length)

def udp(src, dst, sport, dport, data=b'', zero_sum=False):
    l = 8 + len(data)
    h = struct.pack('!HHHH', sport, dport, l, 0) + data
    s = 0 if zero_sum else (csum(pseudo(src, dst, 17, l) + h) or 0xffff)
    return h[:6] + struct.pack('!H', s) + h[8:]

def tcp(src, dst, sport, dport, flags=0x02, data=b'', seq=1, ack=0):
    h = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 8192, 0, 0) + data
    s = csum(pseudo(src, dst, 6, len(h)) + h)
    return h[:16] + struct.pack('!H', s) + h[18:]

def icmp_echo(ident=1, seq=1, data=b'ping', typ=8):
    h = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + data
    return h[:2] + struct.pack('!H', csum(h)) + h[4:]

def arp(op, sha, spa, tha, tpa):
    return struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + mac(sha) + ip(spa) + mac(tha) + ip(tpa)

def write_pcap(path, frames, t0=1000.0, step=0.001):
    """frames: list of bytes, or (timestamp, bytes) tuples."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            if isinstance(fr, tuple):
                ts, data = fr
            else:
                ts, data = t0 + i * step, fr
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack('<IIII', sec, usec, len(data), len(data)))
            f.write(data)

def read_pcap(path):
    with open(path, 'rb') as f:
        d = f.read()
    magic = struct.unpack('<I', d[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), 'bad pcap magic'
    out, off = [], 24
    while off + 16 <= len(d):
        sec, usec, incl, orig = struct.unpack('<IIII', d[off:off + 16])
        off += 16
        out.append(d[off:off + incl])
        off += incl
    return out

class Parsed:
    """Decoded Ethernet/IPv4/L4 fields of a frame (None where absent)."""
    def __init__(self, fr):
        self.raw = fr
        self.dst, self.src = fr[0:6], fr[6:12]
        self.etype = struct.unpack('!H', fr[12:14])[0] if len(fr) >= 14 else None
        self.ip = None
        if self.etype == 0x0800 and len(fr) >= 34:
            ipb = fr[14:]
            hl = (ipb[0] & 15) * 4
            self.ip = ipb
            self.hl = hl
            self.proto = ipb[9]
            self.ttl = ipb[8]
            self.saddr, self.daddr = ipstr(ipb[12:16]), ipstr(ipb[16:20])
            self.ip_ok = csum(ipb[:hl]) == 0
            tl = struct.unpack('!H', ipb[2:4])[0]
            self.l4 = ipb[hl:tl]
            if self.proto in (6, 17) and len(self.l4) >= 4:
                self.sport, self.dport = struct.unpack('!HH', self.l4[:4])
                ps = ipb[12:20] + struct.pack('!BBH', 0, self.proto, len(self.l4))
                if self.proto == 17 and struct.unpack('!H', self.l4[6:8])[0] == 0:
                    self.l4_ok = True
                else:
                    self.l4_ok = csum(ps + self.l4) == 0
            elif self.proto == 1:
                self.l4_ok = csum(self.l4) == 0
