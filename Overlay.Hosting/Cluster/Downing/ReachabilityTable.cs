using System.Collections;
using System.Reflection;
using Akka.Cluster;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>
/// Reads the unreachable records from Akka.Cluster's reachability event. Akka.NET 1.5 publishes the
/// whole table (who observes whom unreachable) only as the internal <c>ClusterEvent.ReachabilityChanged</c>,
/// which its own split-brain resolver consumes; the public events carry only the aggregate. This is
/// the one place that reads it, by reflection, and <see cref="EnsureReadable"/> fails at start-up
/// (so the cluster does not start with a downing provider that cannot see) if an Akka upgrade
/// renames what it reads.
/// </summary>
public static class ReachabilityTable
{
    private const string EventTypeName = "Akka.Cluster.ClusterEvent+ReachabilityChanged";

    private static readonly Type? EventType = typeof(Akka.Cluster.Cluster).Assembly.GetType(EventTypeName);
    private static readonly PropertyInfo? ReachabilityProperty = EventType?.GetProperty("Reachability", BindingFlags.Public | BindingFlags.Instance);
    private static readonly PropertyInfo? RecordsProperty = ReachabilityProperty?.PropertyType.GetProperty("Records", BindingFlags.Public | BindingFlags.Instance);
    private static readonly Type? RecordType = RecordsProperty?.PropertyType.GetGenericArguments().FirstOrDefault();
    private static readonly PropertyInfo? ObserverProperty = RecordType?.GetProperty("Observer");
    private static readonly PropertyInfo? SubjectProperty = RecordType?.GetProperty("Subject");
    private static readonly PropertyInfo? StatusProperty = RecordType?.GetProperty("Status");

    /// <summary>Throws when this Akka.Cluster no longer has what <see cref="TryRead"/> reads.</summary>
    public static void EnsureReadable()
    {
        if (ObserverProperty is null || SubjectProperty is null || StatusProperty is null || RecordsProperty is null)
        {
            throw new InvalidOperationException(
                $"registry-aware downing: Akka.Cluster {typeof(Akka.Cluster.Cluster).Assembly.GetName().Version} has no readable {EventTypeName}.Reachability.Records (Observer, Subject, Status)");
        }
    }

    /// <summary>The unreachable (or terminated) records of <paramref name="clusterEvent"/> when it is
    /// the reachability event; false for any other event.</summary>
    public static bool TryRead(object clusterEvent, out IReadOnlyList<UnreachableObservation> records)
    {
        records = [];
        if (EventType is null || clusterEvent.GetType() != EventType)
        {
            return false;
        }

        var list = new List<UnreachableObservation>();
        object? table = ReachabilityProperty!.GetValue(clusterEvent);
        if (table is not null && RecordsProperty!.GetValue(table) is IEnumerable all)
        {
            foreach (object record in all)
            {
                // ReachabilityStatus: Reachable, Unreachable, Terminated.
                string status = StatusProperty!.GetValue(record)?.ToString() ?? "";
                if (status is "Unreachable" or "Terminated")
                {
                    list.Add(new UnreachableObservation((UniqueAddress)ObserverProperty!.GetValue(record)!, (UniqueAddress)SubjectProperty!.GetValue(record)!));
                }
            }
        }

        records = list;
        return true;
    }
}
