using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Node.Udp;

namespace Overlay.Testing;

/// <summary>
/// An in-memory UDP "switch" for tests: transports made by <see cref="Bind"/> deliver datagrams to
/// each other by destination address and port, so a whole mesh of data planes runs in one process.
/// A transport bound to 0.0.0.0 receives for any address on its port. A datagram with no receiver
/// is dropped silently, as UDP would. Thread-safe.
/// </summary>
public sealed class ChannelUdpNetwork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(uint Address, int Port), ChannelUdpTransport> _bound = new();
    private int _nextEphemeralPort = 49152;
    private long _undeliverable;

    /// <summary>How many datagrams found no receiver.</summary>
    public long Undeliverable => Interlocked.Read(ref _undeliverable);

    /// <summary>Binds a transport to <paramref name="local"/> (port 0 picks a free port). Throws
    /// <see cref="IOException"/> when the endpoint is taken, as the kernel's EADDRINUSE.</summary>
    public ChannelUdpTransport Bind(IPEndPoint local)
    {
        lock (_gate)
        {
            var address = Ipv4.ToUInt32(local.Address);
            var port = local.Port;
            if (port == 0)
            {
                while (_bound.ContainsKey((address, _nextEphemeralPort)))
                    _nextEphemeralPort++;
                port = _nextEphemeralPort++;
            }
            if (_bound.ContainsKey((address, port)))
                throw new IOException($"failed to bind UDP {local}: EADDRINUSE");
            var transport = new ChannelUdpTransport(this, new IPEndPoint(local.Address, port));
            _bound[(address, port)] = transport;
            return transport;
        }
    }

    /// <summary>Delivers a copy of <paramref name="datagram"/> as if sent from <paramref name="source"/>
    /// (any address: tests use it to spoof) to <paramref name="destination"/>; false when nobody is bound there.</summary>
    public bool Deliver(UdpSource source, UdpSource destination, ReadOnlySpan<byte> datagram)
    {
        ChannelUdpTransport? receiver;
        lock (_gate)
        {
            if (!_bound.TryGetValue((destination.Address, destination.Port), out receiver))
                _bound.TryGetValue((0u, destination.Port), out receiver);
        }
        if (receiver is null || !receiver.Enqueue(datagram.ToArray(), source))
        {
            Interlocked.Increment(ref _undeliverable);
            return false;
        }
        return true;
    }

    internal void Unbind(ChannelUdpTransport transport)
    {
        lock (_gate)
        {
            var key = (Ipv4.ToUInt32(transport.LocalEndPoint.Address), transport.LocalEndPoint.Port);
            if (_bound.TryGetValue(key, out var current) && ReferenceEquals(current, transport))
                _bound.Remove(key);
        }
    }
}
