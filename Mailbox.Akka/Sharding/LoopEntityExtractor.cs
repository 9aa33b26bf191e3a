using Akka.Cluster.Sharding;

namespace Mailbox.Akka;

/// <summary>
/// Routes <see cref="ShardEnvelope"/>s: the entity id is the envelope's, the shard is the id's hash modulo the number of
/// shards, and the entity receives the inner message. Other messages are not for loop entities (the region drops them
/// as unhandled); Akka's own <see cref="ShardRegion.StartEntity"/> is handled by the region itself.
/// </summary>
public sealed class LoopEntityExtractor : HashCodeMessageExtractor
{
    /// <summary>Creates the extractor.</summary>
    /// <param name="maxNumberOfShards">Shards of the entity type: the unit of hand-off. Use the same number on every node, about ten times the largest node count.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNumberOfShards"/> is not positive.</exception>
    public LoopEntityExtractor(int maxNumberOfShards)
        : base(maxNumberOfShards > 0 ? maxNumberOfShards : throw new ArgumentOutOfRangeException(nameof(maxNumberOfShards), maxNumberOfShards, "At least one shard is needed."))
    {
    }

    /// <inheritdoc/>
    public override string? EntityId(object message) => (message as ShardEnvelope)?.EntityId;

    /// <inheritdoc/>
    public override object? EntityMessage(object message) => message is ShardEnvelope envelope ? envelope.Message : message;
}
