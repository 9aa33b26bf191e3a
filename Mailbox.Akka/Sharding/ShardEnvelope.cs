namespace Mailbox.Akka;

/// <summary>A message for the sharded loop entity <paramref name="EntityId"/>; send it to the shard region (see <see cref="LoopEntity"/>).</summary>
/// <param name="EntityId">The entity's id; the region creates the entity on first use, on whichever node owns its shard.</param>
/// <param name="Message">What the entity's handler receives; it must be serializable, since it may cross nodes.</param>
public sealed record ShardEnvelope(string EntityId, object Message);
