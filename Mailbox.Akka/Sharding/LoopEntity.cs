using Akka.Cluster.Sharding;
using Akka.Event;

namespace Mailbox.Akka;

/// <summary>
/// Loop actors as Cluster Sharding entities, addressed by id: each entity is an actor made by
/// <see cref="LoopActorProps"/>, with a handler of its own. A shard hand-off (a node leaving, a rebalance) sends each
/// entity <see cref="DrainAndStop"/>: its loop runs everything it accepted, then the entity stops, and only then does
/// the shard start on its new node; sharding buffers what is sent in between and delivers it there.
/// </summary>
/// <remarks>
/// <para>Send <see cref="ShardEnvelope"/>s to the region that <see cref="StartRegionAsync"/> returns. Entity state lives
/// on the loop and does not move with the shard: keep what must survive a hand-off outside the entity.</para>
/// <para>Delivery stays Akka's: at most once. What the old entity accepted before the hand-off runs to the end there,
/// and what the regions buffer reaches the new entity in order; but a message that another node's region had already
/// sent to the old region when the hand-off began is dropped by that region ("Avoiding reordering of buffered messages
/// at shard handoff") and published as an <see cref="Dropped"/> inside a <see cref="DeadLetter"/>. Resend such
/// messages (see <c>samples/ClusterRooms</c>) or use Akka's reliable delivery for sharding when none may be lost.</para>
/// <para>Sharding's distributed-data store keeps state durably (LMDB) only for remembered entities; unless you use
/// those, set <c>akka.cluster.sharding.distributed-data.durable.keys = []</c>.</para>
/// </remarks>
public static class LoopEntity
{
    /// <summary>The number of shards when none is given: enough to spread over ten nodes.</summary>
    public const int DefaultMaxNumberOfShards = 100;

    /// <summary>Starts the shard region of a loop entity type on this node (call it on every node that hosts entities); installs the loop dispatcher (<see cref="LoopActorProps.Install"/>) on <paramref name="system"/>.</summary>
    /// <param name="system">A cluster actor system.</param>
    /// <param name="typeName">The entity type's name, the same on every node.</param>
    /// <param name="handlerFactory">Makes the handler of the entity with the given id, on the node that starts it; the handler owns the entity's state.</param>
    /// <param name="settings">Loop options and the stop timeout of every entity; defaults when null.</param>
    /// <param name="shardingSettings">Sharding settings; from the system's configuration when null.</param>
    /// <param name="maxNumberOfShards">Shards of this type; the same on every node.</param>
    /// <returns>The region: send it <see cref="ShardEnvelope"/>s.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="system"/>, <paramref name="typeName"/> or <paramref name="handlerFactory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="typeName"/> is empty, or the loop settings are invalid (see <see cref="LoopActorProps.Create"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNumberOfShards"/> is not positive.</exception>
    public static Task<IActorRef> StartRegionAsync(
        ActorSystem system,
        string typeName,
        Func<string, Func<object, LoopReplyContext, Task>> handlerFactory,
        LoopActorSettings? settings = null,
        ClusterShardingSettings? shardingSettings = null,
        int maxNumberOfShards = DefaultMaxNumberOfShards)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        var extractor = new LoopEntityExtractor(maxNumberOfShards);
        _ = LoopActorProps.Create(typeName, static (_, _) => Task.CompletedTask, settings); // checks the settings now, not at the first entity

        LoopActorProps.Install(system);
        var sharding = ClusterSharding.Get(system);
        shardingSettings ??= ClusterShardingSettings.Create(system);
        return sharding.StartAsync(
            typeName,
            entityId => LoopActorProps.Create($"{typeName}-{entityId}", handlerFactory(entityId), settings),
            shardingSettings,
            extractor,
            sharding.DefaultShardAllocationStrategy(shardingSettings),
            DrainAndStop.Instance);
    }
}
