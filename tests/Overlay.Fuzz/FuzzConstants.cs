namespace Overlay.Fuzz;

/// <summary>The fixed numbers of the fuzzer and the stream tools, with the reason for each.</summary>
internal static class FuzzConstants
{
    /// <summary>IPv4 header without options (RFC 791): 20 bytes, IHL 5.</summary>
    public const int Ipv4HeaderLength = 20;

    /// <summary>ICMP echo header: type, code, checksum, identifier, sequence.</summary>
    public const int IcmpEchoHeaderLength = 8;

    /// <summary>IP protocol number of ICMP.</summary>
    public const byte IcmpProtocol = 1;

    /// <summary>ICMP type of an echo request.</summary>
    public const byte IcmpEchoRequest = 8;

    /// <summary>TTL of fabricated packets; any value above 1 survives one forwarding hop.</summary>
    public const byte DefaultTtl = 64;

    /// <summary>Largest fabricated datagram: the overlay's inner MTU (1500 - 28), so a datagram is
    /// never refused for its size alone and reaches the parser.</summary>
    public const int MaxDatagramLength = 1472;

    /// <summary>Default number of datagrams per fuzz run.</summary>
    public const int DefaultCount = 100_000;

    /// <summary>Default wall-clock bound of every mode.</summary>
    public const int DefaultMaxSeconds = 60;

    /// <summary>Default send rate of fuzz, datagrams per second: high enough to stress the outside
    /// pump, low enough that a 2-vCPU receiver's socket buffer does not overflow, so the node sees
    /// every datagram and its drop counters can be compared with what was sent.</summary>
    public const int DefaultRatePerSecond = 5_000;

    /// <summary>Chunk size of the TCP stream tools: large enough to amortise syscalls.</summary>
    public const int StreamChunkBytes = 64 * 1024;

    /// <summary>Pause between connection attempts of send-tcp while the receiver is not yet
    /// listening; the attempts stop at the mode's deadline.</summary>
    public const int ConnectRetryMilliseconds = 100;
}
