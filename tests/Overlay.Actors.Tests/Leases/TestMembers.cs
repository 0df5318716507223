using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Util;

namespace Overlay.Actors.Tests.Leases;

/// <summary>Cluster <see cref="Member"/> values for actor specs that tell cluster events to an actor
/// directly. Akka.Cluster keeps Member's factory internal (its own tests reach it through
/// InternalsVisibleTo), so this calls it by reflection; a test fails loudly if it ever moves.</summary>
internal static class TestMembers
{
    private static readonly MethodInfo Create = typeof(Member).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic,
        [typeof(UniqueAddress), typeof(int), typeof(MemberStatus), typeof(ImmutableHashSet<string>), typeof(AppVersion)])
        ?? throw new MissingMethodException("Akka.Cluster.Member.Create(UniqueAddress, int, MemberStatus, ImmutableHashSet<string>, AppVersion)");

    private static int _uid;

    /// <summary>A member at <paramref name="address"/> in <paramref name="status"/> with <paramref name="roles"/>.</summary>
    public static Member At(string address, MemberStatus status, params string[] roles) =>
        (Member)Create.Invoke(null,
            [new UniqueAddress(Address.Parse(address), Interlocked.Increment(ref _uid)), 1, status, roles.ToImmutableHashSet(), AppVersion.Zero])!;
}
