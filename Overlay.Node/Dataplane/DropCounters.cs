namespace Overlay.Node.Dataplane;

/// <summary>
/// Packet drop counts by <see cref="DropReason"/>. Thread-safety: <see cref="Add"/> may be called from
/// any thread concurrently (one interlocked add, no allocation); readers see each count atomically,
/// not all counts as one snapshot. One instance lives as long as its <see cref="OverlayDataplane"/>,
/// across restarts of the pumps, so counts are monotonic.
/// </summary>
public sealed class DropCounters
{
    private static readonly DropReason[] Reasons = Enum.GetValues<DropReason>();
    private static readonly string[] Names = Reasons.Select(ToSnakeCase).ToArray();
    private readonly long[] _counts = new long[Reasons.Length];

    /// <summary>Counts one dropped packet.</summary>
    public void Add(DropReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    /// <summary>The count for <paramref name="reason"/>.</summary>
    public long this[DropReason reason] => Volatile.Read(ref _counts[(int)reason]);

    /// <summary>All drops.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
                total += Volatile.Read(ref _counts[i]);
            return total;
        }
    }

    /// <summary>Every reason's count by its stable snake_case name ("malformed", "spoofed_source", ...),
    /// zeros included, in enum order.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var result = new Dictionary<string, long>(Reasons.Length);
        for (var i = 0; i < Reasons.Length; i++)
            result[Names[i]] = Volatile.Read(ref _counts[i]);
        return result;
    }

    /// <summary>The stable counter name of <paramref name="reason"/>, e.g. "not_for_this_subnet".</summary>
    public static string NameOf(DropReason reason) => Names[(int)reason];

    private static string ToSnakeCase(DropReason reason)
    {
        var text = reason.ToString();
        var builder = new System.Text.StringBuilder(text.Length + 4);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // "NotIpv4" -> "not_ipv4": a break before an upper-case letter only.
            if (char.IsUpper(c) && i > 0)
                builder.Append('_');
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }
}
