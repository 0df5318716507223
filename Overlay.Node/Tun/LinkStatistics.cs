using System.Globalization;

namespace Overlay.Node.Tun;

/// <summary>
/// The kernel's counters of one link, as /proc/net/dev shows them. For a TUN, "transmit" is what the
/// kernel handed the reader (our pump) and <see cref="TxDropped"/> the packets the kernel dropped because
/// the device's ring was full (tun drops instead of stopping its queue); "receive" is what the pump wrote
/// and <see cref="RxDropped"/> the writes the kernel dropped.
/// </summary>
public readonly record struct LinkStatistics(long RxBytes, long RxPackets, long RxDropped, long TxBytes, long TxPackets, long TxDropped)
{
    /// <summary>
    /// Finds <paramref name="device"/>'s line in the text of /proc/net/dev ("name: rx bytes packets errs
    /// drop fifo frame compressed multicast tx bytes packets errs drop ..."); null when the device is not
    /// listed. Throws <see cref="FormatException"/> naming the device when its line has too few numbers.
    /// </summary>
    public static LinkStatistics? Parse(string procNetDev, string device)
    {
        foreach (var line in procNetDev.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || !line.AsSpan(0, colon).Trim().SequenceEqual(device))
                continue;
            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 12)
                throw new FormatException($"/proc/net/dev line of {device} has {fields.Length} fields, expected at least 12: '{line.Trim()}'");
            long F(int i) => long.Parse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture);
            return new LinkStatistics(F(0), F(1), F(3), F(8), F(9), F(11));
        }
        return null;
    }

    /// <summary>The field-by-field sum (counters of a device's earlier sessions plus the current one's).</summary>
    public static LinkStatistics operator +(LinkStatistics a, LinkStatistics b) =>
        new(a.RxBytes + b.RxBytes, a.RxPackets + b.RxPackets, a.RxDropped + b.RxDropped,
            a.TxBytes + b.TxBytes, a.TxPackets + b.TxPackets, a.TxDropped + b.TxDropped);
}
