#!/usr/bin/env python3
"""Runs each shipped configuration (apps/click/configs) over a generated pcap
with build/click/click-run and checks the output packets' contents."""
import os, struct, subprocess, sys, tempfile, traceback
sys.path.insert(0, os.path.dirname(__file__))
from pcaplib import *

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
RUN = os.path.join(ROOT, 'build', 'click', 'click-run')
CONF = os.path.join(ROOT, 'apps', 'click', 'configs')
TMP = tempfile.mkdtemp(prefix='click-cfg-')

A, B = '02:00:00:00:00:0a', '02:00:00:00:00:0b'

def run(config, frames, reads=(), params=()):
    inp = os.path.join(TMP, 'in.pcap')
    out = os.path.join(TMP, 'out.pcap')
    if os.path.exists(out):
        os.unlink(out)
    write_pcap(inp, frames)
    cmd = [RUN, os.path.join(CONF, config), '--param', 'IN=' + inp, '--param', 'OUT=' + out]
    for p in params:
        cmd += ['--param', p]
    for r in reads:
        cmd += ['--read', r]
    pr = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert pr.returncode == 0, 'click-run failed (%d): %s' % (pr.returncode, pr.stderr.strip())
    vals = {}
    for line in pr.stdout.splitlines():
        k, _, v = line.partition(': ')
        vals[k] = v
    return read_pcap(out), vals

def udp_frame(src, dst, sport, dport, data=b'x' * 18, s=A, d=B, **kw):
    return eth(d, s, 0x0800, ipv4(src, dst, 17, udp(src, dst, sport, dport, data), **kw))

def tcp_frame(src, dst, sport, dport, flags=0x02, s=A, d=B, **kw):
    return eth(d, s, 0x0800, ipv4(src, dst, 6, tcp(src, dst, sport, dport, flags), **kw))

def icmp_frame(src, dst, typ=8, s=A, d=B):
    return eth(d, s, 0x0800, ipv4(src, dst, 1, icmp_echo(typ=typ)))

def test_bridge():
    frames = [udp_frame('10.0.0.1', '10.0.0.2', 1000 + i, 53) for i in range(10)]
    frames += [eth(B, A, 0x86dd, b'\x60' + b'\0' * 50),              # IPv6: still bridged
               eth(B, A, 0x0800, b'\x45\x00'),                         # runt IP
               tcp_frame('10.0.0.1', '10.0.0.2', 1, 2) + b'\xab' * 1400,  # big frame
               b'\x01\x02\x03']                                       # runt frame
    out, v = run('bridge.click', frames, ['count.count', 'count.byte_count', 'queue.drops'])
    assert out == frames, 'bridge changed or lost frames (%d in, %d out)' % (len(frames), len(out))
    assert v['count.count'] == str(len(frames)), v
    assert v['count.byte_count'] == str(sum(map(len, frames))), v
    assert v['queue.drops'] == '0', v

def test_mirror():
    frames = [udp_frame('10.0.0.1', '10.0.0.2', 7, 7, s=A, d=B),
              eth('ff:ff:ff:ff:ff:ff', A, 0x0806, arp(1, A, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')),
              b'\x01' * 10]  # too short to mirror: dropped
    out, v = run('mirror.click', frames, ['mirror.drops'])
    assert len(out) == 2, 'expected 2 frames, got %d' % len(out)
    for i, o in zip(frames, out):
        assert o[0:6] == i[6:12] and o[6:12] == i[0:6], 'MACs not swapped'
        assert o[12:] == i[12:], 'payload changed'
    assert v['mirror.drops'] == '1', v

def test_firewall():
    S = '192.168.1.7'
    allowed = [
        tcp_frame(S, '10.0.0.5', 40000, 22),
        tcp_frame(S, '10.0.0.5', 40001, 80),
        tcp_frame(S, '10.0.0.6', 40002, 443),
        udp_frame(S, '10.0.0.53', 5353, 53),
        icmp_frame(S, '8.8.8.8', 8),
        eth('ff:ff:ff:ff:ff:ff', A, 0x0806, arp(1, A, S, '00:00:00:00:00:00', '10.0.0.1')),
        # IP options (record route, 8 bytes) still allowed
        eth(B, A, 0x0800, ipv4(S, '10.0.0.5', 6, tcp(S, '10.0.0.5', 40003, 22),
                               options=b'\x07\x07\x04' + b'\0' * 4 + b'\x00')),
    ]
    padded_dns = udp_frame(S, '10.0.0.53', 5354, 53, data=b'')  # 42 bytes, padded to 60 below
    denied = [
        tcp_frame(S, '10.0.0.5', 40004, 25),                  # SMTP
        udp_frame(S, '10.0.0.53', 5355, 123),                 # NTP
        icmp_frame(S, '10.0.0.5', 0),                         # echo reply
        tcp_frame(S, '10.0.1.5', 40005, 80),                  # outside server net
        tcp_frame(S, '10.0.0.5', 40006, 80, bad_sum=True),    # bad IP checksum
        eth(B, A, 0x0800, ipv4(S, '10.0.0.5', 6, tcp(S, '10.0.0.5', 1, 80))[:30]),  # truncated
        eth(B, A, 0x0800, ipv4(S, '10.0.0.5', 6, b'\0' * 20, frag=0x0010)),  # non-first fragment
        eth(B, A, 0x0800, ipv4(S, '10.0.0.5', 6, tcp(S, '10.0.0.5', 1, 80), ihl=4)),  # bad hl
        eth(B, A, 0x0800, ipv4(S, '10.0.0.5', 6, tcp(S, '10.0.0.5', 1, 80), version=6)),
        eth(B, A, 0x0800, ipv4(S, '10.0.0.5', 6, tcp(S, '10.0.0.5', 1, 22),
                               options=b'\x07\x09\x04\0\0\0\0\0')),  # option overruns header
        eth(B, A, 0x86dd, b'\x60' + b'\0' * 60),              # IPv6
    ]
    frames = []
    for i in range(max(len(allowed), len(denied))):
        if i < len(denied): frames.append(denied[i])
        if i < len(allowed): frames.append(allowed[i])
    frames.append(padded_dns + b'\0' * (60 - len(padded_dns)))
    out, v = run('firewall.click', frames, ['check.drops', 'filter.drops', 'passed.count', 'nonip.count'])
    want = [f for f in frames if f in allowed] + [padded_dns]
    assert len(out) == len(want), 'expected %d frames out, got %d' % (len(want), len(out))
    assert out == want, 'output frames differ from the allowed ones'
    assert v['check.drops'] == '5', v   # bad sum, truncated, bad hl, version, options
    assert v['filter.drops'] == '5', v  # smtp, ntp, echo reply, outside net, fragment
    assert v['nonip.count'] == '1', v
    assert v['passed.count'] == str(len(want) - 1), v  # ARP bypasses the counter

def test_nat():
    PUB, SRV = '198.51.100.1', '203.0.113.9'
    f1 = tcp_frame('10.0.0.2', SRV, 5000, 80)
    f2 = udp_frame('10.0.0.3', SRV, 5000, 53)
    f3 = tcp_frame('10.0.0.2', SRV, 5000, 80, flags=0x10)              # same flow again
    r1 = tcp_frame(SRV, PUB, 80, 1024, flags=0x12)                      # reply to flow 1
    r2 = udp_frame(SRV, PUB, 53, 1025)                                  # reply to flow 2
    bad = tcp_frame(SRV, PUB, 80, 4444)                                 # unsolicited
    out, v = run('nat.click', [f1, f2, f3, r1, r2, bad], ['rw.nmappings', 'rw.drops'])
    assert len(out) == 5, 'expected 5 frames, got %d' % len(out)
    p = [Parsed(o) for o in out]
    for x in p:
        assert x.ip_ok, 'bad IP checksum after rewrite'
        assert x.l4_ok, 'bad TCP/UDP checksum after rewrite'
    o1, o2, o3, i1, i2 = p
    assert (o1.saddr, o1.sport, o1.daddr, o1.dport) == (PUB, 1024, SRV, 80), vars(o1)
    assert (o2.saddr, o2.sport, o2.daddr, o2.dport) == (PUB, 1025, SRV, 53)
    assert (o3.saddr, o3.sport) == (PUB, 1024), 'existing mapping not reused'
    assert o1.src == mac('02:00:00:00:01:01') and o1.dst == mac('02:00:00:00:01:fe')
    assert (i1.saddr, i1.sport, i1.daddr, i1.dport) == (SRV, 80, '10.0.0.2', 5000)
    assert (i2.saddr, i2.sport, i2.daddr, i2.dport) == (SRV, 53, '10.0.0.3', 5000)
    assert i1.src == mac('02:00:00:00:02:01') and i1.dst == mac('02:00:00:00:02:fe')
    assert v['rw.nmappings'] == '2', v
    assert v['rw.drops'] == '1', v

def test_pingresponder():
    ME, MYMAC, PEER = '192.0.2.1', '02:00:00:00:00:01', '192.0.2.99'
    areq = eth('ff:ff:ff:ff:ff:ff', A, 0x0806, arp(1, A, PEER, '00:00:00:00:00:00', ME))
    aother = eth('ff:ff:ff:ff:ff:ff', A, 0x0806, arp(1, A, PEER, '00:00:00:00:00:00', '192.0.2.2'))
    echo = eth(MYMAC, A, 0x0800, ipv4(PEER, ME, 1, icmp_echo(ident=7, seq=3, data=b'hello')))
    echo_other = eth(MYMAC, A, 0x0800, ipv4(PEER, '192.0.2.2', 1, icmp_echo()))
    bad_icmp = bytearray(echo)
    bad_icmp[-1] ^= 0xff  # ICMP checksum no longer matches
    udp_to_me = udp_frame(PEER, ME, 1, 2, d=MYMAC)
    out, v = run('pingresponder.click', [areq, aother, echo, echo_other, bytes(bad_icmp), udp_to_me],
                 ['arp.count', 'ping.count', 'ping.drops'])
    assert len(out) == 2, 'expected 2 replies, got %d' % len(out)
    a = out[0]
    assert a[0:6] == mac(A) and a[6:12] == mac(MYMAC) and a[12:14] == b'\x08\x06'
    op, = struct.unpack('!H', a[20:22])
    assert op == 2, 'not an ARP reply'
    assert a[22:28] == mac(MYMAC) and a[28:32] == ip(ME), 'wrong sender in ARP reply'
    assert a[32:38] == mac(A) and a[38:42] == ip(PEER), 'wrong target in ARP reply'
    e = Parsed(out[1])
    assert e.dst == mac(A) and e.src == mac(MYMAC), 'reply MACs not swapped'
    assert (e.saddr, e.daddr) == (ME, PEER), 'reply addresses wrong'
    assert e.l4[0] == 0, 'not an echo reply'
    assert e.l4[4:] == echo[14 + 20 + 4:], 'identifier/sequence/data changed'
    assert e.ip_ok and e.l4_ok, 'bad checksum in echo reply'
    assert v['arp.count'] == '1' and v['ping.count'] == '1', v

def test_ddos():
    t0 = 2000.0
    frames = []
    for i in range(3000):   # attacker: 3000 packets/s
        frames.append((t0 + i / 3000.0, udp_frame('10.9.9.9', '10.0.0.1', 1234, 80)))
    for h in range(3):      # three normal clients: 10 packets/s
        for i in range(10):
            frames.append((t0 + 0.01 + i / 10.0 + h * 0.001, udp_frame('10.0.0.%d' % (10 + h), '10.0.0.1', 4000, 80)))
    frames.sort(key=lambda x: x[0])
    out, v = run('ddos.click', frames, ['mon.flagged', 'passed.count', 'blocked.count', 'mon.look'])
    assert v['mon.flagged'] == '10.9.9.9', 'flagged: %r' % v.get('mon.flagged')
    srcs = [Parsed(o).saddr for o in out]
    assert srcs.count('10.9.9.9') == 1000, 'attacker packets passed: %d' % srcs.count('10.9.9.9')
    for h in range(3):
        assert srcs.count('10.0.0.%d' % (10 + h)) == 10, 'normal client lost packets'
    assert v['blocked.count'] == '2000', v

def test_chain():
    S = '172.16.0.9'
    ok1 = tcp_frame(S, '10.1.1.1', 1000, 80)
    ok2 = udp_frame(S, '10.1.1.1', 1000, 53)
    no1 = tcp_frame(S, '10.1.1.1', 1000, 22)
    no2 = udp_frame(S, '10.1.1.1', 1000, 53, bad_sum=True)
    no3 = eth(B, A, 0x0806, arp(1, A, S, '00:00:00:00:00:00', '10.1.1.1'))
    out, v = run('chain.click', [no1, ok1, no2, no3, ok2], ['count.count', 'check.drops', 'fw.drops'])
    assert out == [ok1, ok2], 'chain output wrong (%d frames)' % len(out)
    assert v['count.count'] == '2' and v['check.drops'] == '1' and v['fw.drops'] == '1', v

def main():
    if not os.access(RUN, os.X_OK):
        print('FAIL click-configs: %s not built' % RUN)
        return 1
    tests = [(n[5:], f) for n, f in sorted(globals().items()) if n.startswith('test_') and callable(f)]
    bad = 0
    for name, f in tests:
        try:
            f()
            print('PASS config-%s' % name)
        except Exception as e:
            bad += 1
            msg = str(e).replace('\n', ' ') or traceback.format_exc().splitlines()[-1]
            print('FAIL config-%s: %s' % (name, msg))
    return 0

if __name__ == '__main__':
    sys.exit(main())
