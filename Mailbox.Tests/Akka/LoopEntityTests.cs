using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;
using Mailbox.Akka;
using Xunit.Abstractions;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>
/// Loop actors as sharded entities on a two-node cluster in one process (127.0.0.1, OS-assigned ports). The TestKit's
/// system is node A (the oldest, so it keeps the shard coordinator); node B joins, hosts entities, then leaves gracefully.
/// </summary>
[Collection(AkkaTestGroup.Name)]
public sealed class LoopEntityTests(ITestOutputHelper output) : AkkaTestKit(AkkaTestConfig.Cluster, "Rooms", output), IAsyncLifetime
{
    private const string TypeName = "room";
    private const int Entities = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How long each handler awaits before it answers: with a message per entity every ~10 ms, about ten handlers per entity are mid-await when the hand-off comes.</summary>
    private static readonly TimeSpan HandlerDelay = TimeSpan.FromMilliseconds(100);

    private readonly ITestOutputHelper _output = output;
    private readonly ActorSystem _b = ActorSystem.Create("Rooms", AkkaTestConfig.Cluster);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _b.Terminate().WaitAsync(Patience);

    [Fact]
    public async Task Leave_NodeBLeavesGracefully_ItsEntitiesDrainThenAnswerFromNodeAWithNoMessageLost()
    {
        var clock = Stopwatch.StartNew();
        await FormClusterAsync();
        var regionA = await LoopEntity.StartRegionAsync(Sys, TypeName, EntityHandler("A"), maxNumberOfShards: 10);
        await LoopEntity.StartRegionAsync(_b, TypeName, EntityHandler("B"), maxNumberOfShards: 10);
        await AwaitAssertAsync(async () =>
        {
            var regions = await regionA.Ask<CurrentRegions>(GetCurrentRegions.Instance, Patience);
            Assert.Equal(2, regions.Regions.Count);
        }, Patience, TimeSpan.FromMilliseconds(100));
        _output.WriteLine($"cluster of 2 with both regions registered after {clock.ElapsedMilliseconds} ms");

        // Entities spread across both nodes.
        var before = await WhereAsync(regionA);
        var onB = before.Where(p => p.Value == "B").Select(p => p.Key).ToHashSet();
        _output.WriteLine($"before: {string.Join(", ", before.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}@{p.Value}"))}");
        Assert.NotEmpty(onB);
        Assert.Contains("A", before.Values);

        // Watch B's entities stop and every dead letter on either node; then send while B leaves.
        var eventsOnB = new ConcurrentQueue<object>();
        var deadOnA = new ConcurrentQueue<object>();
        var heard = new ConcurrentQueue<object>();
        Collectors.Subscribe(_b, eventsOnB, typeof(LoopActorStopped), typeof(AllDeadLetters));
        Collectors.Subscribe(Sys, deadOnA, typeof(AllDeadLetters));
        var listener = Sys.ActorOf(Props.Create(() => new Collector(heard)));

        int sent = 0;
        Task? leaving = null;
        var sendUntil = Stopwatch.StartNew();
        while (leaving is not { IsCompleted: true } && sendUntil.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (leaving is null && sendUntil.Elapsed >= HandlerDelay)
            {
                leaving = CoordinatedShutdown.Get(_b).Run(CoordinatedShutdown.ClusterLeavingReason.Instance); // graceful: hand off, leave, terminate
            }

            for (int e = 0; e < Entities; e++)
            {
                regionA.Tell(new ShardEnvelope(Id(e), new Say(Id(e), sent / Entities)), listener);
                sent++;
            }

            await Task.Delay(10);
        }

        await leaving!.WaitAsync(Patience);
        await _b.WhenTerminated.WaitAsync(Patience);
        _output.WriteLine($"B left after {clock.ElapsedMilliseconds} ms; {sent} messages sent during the leave");

        // Every entity answers again, now from A.
        var after = await WhereAsync(regionA);
        _output.WriteLine($"after: {string.Join(", ", after.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}@{p.Value}"))}");
        Assert.All(after.Values, node => Assert.Equal("A", node));

        // Every entity that lived on B drained its loop: Executed = accepted, nothing discarded, all accounted for.
        var stopped = eventsOnB.OfType<LoopActorStopped>().ToList();
        Assert.Equal(onB.Select(id => $"{TypeName}-{id}").Order(StringComparer.Ordinal), stopped.Select(s => s.LoopName).Order(StringComparer.Ordinal));
        Assert.All(stopped, s =>
        {
            Assert.Equal(s.Accepted, s.Report.Executed);
            Assert.Equal(0, s.Report.Discarded);
            Assert.False(s.Report.TimedOut);
            Assert.Equal(s.Received, s.Handled + s.DeadLetters);
        });

        // Each message sent during the leave was delivered once, or is a counted dead letter: none lost, none twice.
        // Sharding itself drops a message that reaches B's region for a shard B is handing off ("Avoiding reordering of
        // buffered messages at shard handoff"): it publishes a Dropped, which the dead-letter actor wraps in a DeadLetter.
        var dead = deadOnA.Concat(eventsOnB).OfType<AllDeadLetters>().Select(Undelivered).OfType<Say>().ToList();
        await AwaitAssertAsync(() => Assert.Equal(sent, heard.OfType<Heard>().Count(h => h.Seq >= 0) + dead.Count), Patience, TimeSpan.FromMilliseconds(100));
        var delivered = heard.OfType<Heard>().Where(h => h.Seq >= 0).Select(h => (h.Entity, h.Seq)).ToList();
        var all = delivered.Concat(dead.Select(d => (d.Entity, d.Seq))).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        _output.WriteLine($"B's entities handled {string.Join(", ", stopped.Select(s => s.Handled))} messages and refused {stopped.Sum(s => s.DeadLetters)}");
        _output.WriteLine($"sent {sent}: delivered {delivered.Count} (on B {heard.OfType<Heard>().Count(h => h.Seq >= 0 && h.Node == "B")}), dead letters {dead.Count}; {clock.ElapsedMilliseconds} ms in all");
    }

    /// <summary>A joins itself (it is the oldest, so it hosts the shard coordinator), then B joins A.</summary>
    private async Task FormClusterAsync()
    {
        var a = AkkaTestConfig.AddressOf(Sys);
        await Cluster.Get(Sys).JoinAsync(a).WaitAsync(Patience);
        await Cluster.Get(_b).JoinAsync(a).WaitAsync(Patience);
        await AwaitAssertAsync(() =>
        {
            Assert.Equal(2, Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up));
            Assert.Equal(2, Cluster.Get(_b).State.Members.Count(m => m.Status == MemberStatus.Up));
        }, Patience, TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Asks every entity where it lives.</summary>
    private static async Task<Dictionary<string, string>> WhereAsync(IActorRef region)
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, Entities).Select(e =>
            region.Ask<Heard>(new ShardEnvelope(Id(e), new Say(Id(e), -1)), Patience)));
        return answers.ToDictionary(h => h.Entity, h => h.Node);
    }

    /// <summary>
    /// The handler of one entity on one node: it answers every <see cref="Say"/> with where it runs, from the loop thread,
    /// after a short wait on the loop's clock, so that a hand-off finds handlers in the middle of their work.
    /// </summary>
    private static Func<string, Func<object, LoopReplyContext, Task>> EntityHandler(string node) => entityId => async (message, context) =>
    {
        var say = (Say)message;
        await LoopActor.Delay(HandlerDelay);
        Assert.True(context.Loop.IsOnLoopThread);
        context.Reply(new Heard(say.Entity, node, say.Seq));
    };

    /// <summary>The user message inside a dead letter: unwraps a <see cref="Dropped"/> inside a <see cref="DeadLetter"/>, and a <see cref="ShardEnvelope"/>.</summary>
    private static object Undelivered(AllDeadLetters letter) => letter.Message switch
    {
        AllDeadLetters inner => Undelivered(inner),
        ShardEnvelope envelope => envelope.Message,
        var message => message,
    };

    private static string Id(int entity) => $"e{entity:00}";
}

/// <summary>A message to a sharded entity (Seq -1: "where are you?").</summary>
public sealed record Say(string Entity, int Seq);

/// <summary>An entity's answer: who, on which node, to which message.</summary>
public sealed record Heard(string Entity, string Node, int Seq);
