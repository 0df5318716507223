namespace Overlay.Node.Dataplane;

/// <summary>
/// The one mutable cell holding the current <see cref="ForwardingTable"/>. The pumps read
/// <see cref="Current"/> once per packet (a volatile read, no lock); the control plane replaces it
/// with <see cref="Update"/>. Thread-safety: any number of readers; writers may race, each update is
/// applied atomically (compare-and-swap), none is lost.
/// </summary>
public sealed class ForwardingTableRef(ForwardingTable initial)
{
    private ForwardingTable _current = initial;

    /// <summary>The table in force now.</summary>
    public ForwardingTable Current => Volatile.Read(ref _current);

    /// <summary>Replaces the table with <paramref name="change"/> applied to the current one; returns the new table.
    /// <paramref name="change"/> may run more than once under contention and must be pure.</summary>
    public ForwardingTable Update(Func<ForwardingTable, ForwardingTable> change)
    {
        while (true)
        {
            var before = Volatile.Read(ref _current);
            var after = change(before);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, after, before), before))
                return after;
        }
    }
}
