using Mailbox.Akka;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>Routing of <see cref="ShardEnvelope"/>s: no actor system needed.</summary>
public sealed class LoopEntityExtractorTests
{
    [Fact]
    public void EntityIdAndMessage_Envelope_AreTheEnvelopesOwn()
    {
        var extractor = new LoopEntityExtractor(10);
        var envelope = new ShardEnvelope("room-7", "hello");

        Assert.Equal("room-7", extractor.EntityId(envelope));
        Assert.Equal("hello", extractor.EntityMessage(envelope));
        Assert.Null(extractor.EntityId("not an envelope"));
    }

    [Fact]
    public void ShardId_SameEntityIdAnyMessage_IsOneStableShardWithinRange()
    {
        var extractor = new LoopEntityExtractor(10);
        string ShardOf(object message) => extractor.ShardId(extractor.EntityId(message)!, message);
        var shards = Enumerable.Range(0, 100).Select(i => ShardOf(new ShardEnvelope($"e{i}", i))).ToList();

        Assert.All(shards, s => Assert.InRange(int.Parse(s, System.Globalization.CultureInfo.InvariantCulture), 0, 9));
        Assert.Equal(ShardOf(new ShardEnvelope("e1", "a")), ShardOf(new ShardEnvelope("e1", "b")));
        Assert.True(shards.Distinct().Count() > 1);
    }

    [Fact]
    public void Constructor_NoShards_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoopEntityExtractor(0));
    }
}
