using Akka.Actor;

namespace Overlay.Actors.Leases;

/// <summary>
/// What the registry actor tells its parent (the registry supervisor) about its storage. Local
/// messages between parent and child: never remoted, never persisted, so not <see cref="IOverlayMessage"/>.
/// A parent that does not know them (a test's guardian) ignores them.
/// </summary>
public static class RegistryLifecycle
{
    /// <summary>Recovery finished: the registry's state is rebuilt and it takes commands.</summary>
    /// <param name="Version">The registry version it recovered to.</param>
    /// <param name="FullReplay">True when it ignored snapshots and replayed the whole journal.</param>
    public sealed record Recovered(long Version, bool FullReplay) : INoSerializationVerificationNeeded;

    /// <summary>A journal write or the recovery failed; Akka.Persistence stops the actor right after.</summary>
    /// <param name="Operation">"write" (an event could not be persisted) or "recovery".</param>
    /// <param name="Cause">The storage error.</param>
    /// <param name="SnapshotLoaded">For a recovery failure: whether a snapshot had been loaded (or the
    /// journal had started replaying) before it failed. False means the snapshot load itself may be at
    /// fault (a corrupt row), so the next attempt should replay the whole journal instead.</param>
    public sealed record StorageFailed(string Operation, Exception Cause, bool SnapshotLoaded) : INoSerializationVerificationNeeded
    {
        /// <summary>One line for logs and readiness: "journal write failed: NpgsqlException: ...".</summary>
        public string Describe()
        {
            // The SQL plugin wraps the driver's error (and a failed rollback) in an AggregateException.
            var cause = Cause is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[^1] : Cause;
            return $"{Operation} failed: {cause.GetType().Name}: {cause.Message}";
        }
    }
}
