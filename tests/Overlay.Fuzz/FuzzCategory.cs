namespace Overlay.Fuzz;

/// <summary>The kinds of bad input the fuzzer sends; every one must be dropped by the receiving node.</summary>
internal enum FuzzCategory
{
    /// <summary>Random bytes of random length (0 to the inner MTU).</summary>
    Random,

    /// <summary>A well-formed IPv4 packet cut short: shorter than its header or its total length.</summary>
    Truncated,

    /// <summary>An IPv4-shaped packet whose version nibble is not 4.</summary>
    BadVersion,

    /// <summary>An IPv4 packet whose IHL is below 5 or points past the end of the packet.</summary>
    BadIhl,

    /// <summary>An IPv4 packet whose total length disagrees with the datagram's length or its IHL.</summary>
    BadTotalLength,

    /// <summary>A well-formed ICMP echo whose inner source lies in another node's subnet and whose
    /// destination lies in the target's subnet, sent from an address that owns no lease.</summary>
    Spoofed,
}
