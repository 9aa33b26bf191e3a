using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using Mailbox.Bench.ManyLoops;

namespace Mailbox.Bench;

/// <summary>
/// Many entities on a few threads, the loop-groups issue's comparison (one category each, Akka.NET as baseline):
/// Mailbox loops in a <see cref="LoopGroup"/> of <see cref="Environment.ProcessorCount"/> threads, Akka.NET actors on the
/// default dispatcher, Proto.Actor actors on its default dispatcher; each subject's entities are an
/// <see cref="EntityPopulation"/>, the same code <see cref="ManyLoopsProbe"/> runs.
/// <list type="bullet">
/// <item><b>SpawnAndStop</b>: spawn <see cref="Loops"/> entities, one request/reply each (all in flight, then each
/// awaited), stop them all and wait until they have. Mailbox: a fresh group per invocation, stopped with
/// <see cref="LoopGroup.StopAsync"/> (its threads start and exit inside the measurement; the actor systems are made in
/// [GlobalSetup], so at Loops = 1 the Mailbox figure is mostly the group's threads); Akka.NET: <c>ActorOf</c>,
/// <c>Ask</c>, a <c>PoisonPill</c> each; Proto.Actor: <c>Spawn</c>, <c>RequestAsync</c>, <c>Poison</c> each.
/// One operation = one entity's life.</item>
/// <item><b>Storm</b>: the entities are spawned (and each asked once) in [GlobalSetup]; the benchmark thread itself is
/// the one producer (a producer thread started per invocation would cost more than the whole storm at Loops = 1) and
/// sends <see cref="EntityPopulation.StormMessagesPerEntity"/> fire-and-forget messages to each entity round-robin; the
/// invocation ends when every message has run. One operation = one message.</item>
/// <item><b>PingPong</b>: two entities bounce a ball <see cref="Hits"/> times, one message per hit, while
/// <see cref="Loops"/> idle entities (spawned and asked once in [GlobalSetup], after the players) share their threads.
/// Mailbox twice: the two loops on different threads of a group (<c>TwoThreads</c>), and on the one thread of a group
/// of one (<c>OneThread</c>, every hit a hand-over inside one thread). One operation = one hit.</item>
/// </list>
/// </summary>
/// <remarks>
/// BenchmarkDotNet's <c>OperationsPerInvoke</c> must be a constant, so it cannot be the parameter
/// (dotnet/BenchmarkDotNet#1832): SpawnAndStop and Storm declare their count with
/// <see cref="OperationsPerInvokeFromAttribute"/> instead, their Mean and Allocated columns are per invocation, and the
/// Mean/op and Alloc/op columns (and the SVG chart) divide them by Loops (SpawnAndStop) or 100 × Loops (Storm).
/// PingPong's count is constant, so all its columns are per hit already.
/// Akka.NET's default dispatcher is the baseline because it is the peer the issue compares with and the one a .NET user
/// with many entities would reach for first; Proto.Actor beside it is the other bar to clear ("the best of the two").
/// Mailbox's reports are checked: SpawnAndStop checks each invocation's <see cref="LoopGroupReport"/>, Storm and PingPong
/// check every loop's <see cref="StopReport"/> and then the group's at cleanup, so a number is never printed for work
/// that was not done. A full run of the 100,000 case takes minutes per subject (an Akka.NET SpawnAndStop invocation
/// alone is seconds); <c>--quick</c> runs only Loops = 1 and 10,000 (<see cref="QuickFilter"/>), and <c>--many-loops-probe</c> measures
/// 100,000 entities once per subject.
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ManyLoopsBenchmarks
{
    /// <summary>Hits per PingPong invocation (even, so each player receives half).</summary>
    private const int Hits = 10_000;

    /// <summary>The group of SpawnAndStop and Storm: one thread per core, the setting.</summary>
    private static readonly LoopGroupOptions s_groupOptions = new() { ThreadCount = Environment.ProcessorCount };

    /// <summary>The <see cref="Loops"/> values that <c>--quick</c> runs (see <see cref="QuickFilter"/>).</summary>
    private static readonly int[] s_quickLoops = [1, 10_000];

    /// <summary>The Mailbox entities of the current case.</summary>
    private MailboxPopulation? _mailbox;

    /// <summary>The group of the Storm and PingPong cases, made in [GlobalSetup] (SpawnAndStop makes one per invocation).</summary>
    private LoopGroup? _group;

    /// <summary>The Akka.NET entities (and actor system) of the current case.</summary>
    private AkkaPopulation? _akka;

    /// <summary>The Proto.Actor entities (and actor system) of the current case.</summary>
    private ProtoPopulation? _proto;

    /// <summary>The Mailbox players of a PingPong case.</summary>
    private MailboxPingPong? _mailboxPingPong;

    /// <summary>The Akka.NET players of the PingPong case.</summary>
    private AkkaPingPong? _akkaPingPong;

    /// <summary>The Proto.Actor players of the PingPong case.</summary>
    private ProtoPingPong? _protoPingPong;

    /// <summary>
    /// Under <c>--quick</c> (and so in CI's dry run) this class runs only Loops = 1 (a group with more threads than
    /// loops, every subject's smallest batch) and Loops = 10,000 (many entities per thread), so every subject and every
    /// report check still runs while the run stays short: each case is a process of its own (~4 s under Job.Dry here),
    /// 100 would add ten of them and nothing a smoke run needs, and the 100,000 cases alone would take minutes.
    /// </summary>
    public static IFilter QuickFilter { get; } = new SimpleFilter(benchmarkCase =>
        benchmarkCase.Descriptor.Type != typeof(ManyLoopsBenchmarks)
        || s_quickLoops.Contains((int)benchmarkCase.Parameters[nameof(Loops)]));

    /// <summary>Entities per case (PingPong: idle entities beside the two players).</summary>
    [Params(
        1,        // one entity: each subject's fixed cost per batch (for Mailbox's SpawnAndStop, the group's threads); run under --quick too.
        100,      // a few dozen entities per core: run queues rarely empty, every entity's state still in cache.
        10_000,   // the old wall: 10,000 dedicated loops were 10,008 threads and 0.05 M posts/s (issue 13); run under --quick too.
        100_000)] // the scale, at which all its targets are stated (spawn + stop ≤ 0.2×, storm ≥ 3× the best peer).
    public int Loops { get; set; }

    /// <summary>An empty Mailbox population; each invocation spawns it into a fresh group.</summary>
    [GlobalSetup(Target = nameof(Mailbox_SpawnAndStop))]
    public void SetupMailboxSpawnAndStop() => _mailbox = new MailboxPopulation(Loops);

    /// <summary>An actor system and an empty Akka.NET population.</summary>
    [GlobalSetup(Target = nameof(Akka_SpawnAndStop))]
    public void SetupAkkaSpawnAndStop() => _akka = new AkkaPopulation(Loops);

    /// <summary>An actor system and an empty Proto.Actor population.</summary>
    [GlobalSetup(Target = nameof(Proto_SpawnAndStop))]
    public void SetupProtoSpawnAndStop() => _proto = new ProtoPopulation(Loops);

    /// <summary>A group with <see cref="Loops"/> loops, each asked once.</summary>
    [GlobalSetup(Target = nameof(Mailbox_Storm))]
    public void SetupMailboxStorm()
    {
        _group = LoopGroup.Create("bench-many-loops", s_groupOptions);
        SpawnMailboxPopulation(_group);
    }

    /// <summary><see cref="Loops"/> Akka.NET actors, each asked once.</summary>
    [GlobalSetup(Target = nameof(Akka_Storm))]
    public void SetupAkkaStorm()
    {
        _akka = new AkkaPopulation(Loops);
        _akka.Spawn();
        _akka.RoundTripAsync().GetAwaiter().GetResult();
    }

    /// <summary><see cref="Loops"/> Proto.Actor actors, each asked once.</summary>
    [GlobalSetup(Target = nameof(Proto_Storm))]
    public void SetupProtoStorm()
    {
        _proto = new ProtoPopulation(Loops);
        _proto.Spawn();
        _proto.RoundTripAsync().GetAwaiter().GetResult();
    }

    /// <summary>A group of at least two threads (one per core), the two players on different threads, then the idle loops.</summary>
    [GlobalSetup(Target = nameof(Mailbox_PingPong_TwoThreads))]
    public void SetupMailboxPingPongTwoThreads()
    {
        _group = LoopGroup.Create("bench-ping-pong", new LoopGroupOptions { ThreadCount = Math.Max(2, Environment.ProcessorCount) });
        _mailboxPingPong = new MailboxPingPong(_group, sameThread: false);
        SpawnMailboxPopulation(_group);
    }

    /// <summary>A group of one thread: the two players, then the idle loops, all on that thread.</summary>
    [GlobalSetup(Target = nameof(Mailbox_PingPong_OneThread))]
    public void SetupMailboxPingPongOneThread()
    {
        _group = LoopGroup.Create("bench-ping-pong", new LoopGroupOptions { ThreadCount = 1 });
        _mailboxPingPong = new MailboxPingPong(_group, sameThread: true);
        SpawnMailboxPopulation(_group);
    }

    /// <summary>An actor system with the two players, then the idle actors.</summary>
    [GlobalSetup(Target = nameof(Akka_PingPong))]
    public void SetupAkkaPingPong()
    {
        _akka = new AkkaPopulation(Loops);
        _akkaPingPong = new AkkaPingPong(_akka.System);
        _akka.Spawn();
        _akka.RoundTripAsync().GetAwaiter().GetResult();
    }

    /// <summary>An actor system with the two players, then the idle actors.</summary>
    [GlobalSetup(Target = nameof(Proto_PingPong))]
    public void SetupProtoPingPong()
    {
        _proto = new ProtoPopulation(Loops);
        _protoPingPong = new ProtoPingPong(_proto.System);
        _proto.Spawn();
        _proto.RoundTripAsync().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Stops whatever this process set up. For Mailbox (Storm, PingPong): every loop's report must count exactly what
    /// it was sent, then the group's report must sum to every loop and message; SpawnAndStop checked its groups already.
    /// </summary>
    /// <exception cref="InvalidOperationException">A Mailbox report disagrees with what was spawned and sent.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (_group is not null)
        {
            int loops = 0;
            long sent = 0;
            if (_mailboxPingPong is not null)
            {
                _mailboxPingPong.StopAndVerify();
                loops += MailboxPingPong.Loops;
                sent += _mailboxPingPong.MessagesSent;
            }

            if (_mailbox is not null)
            {
                _mailbox.StopEachAndVerify();
                loops += _mailbox.Count;
                sent += _mailbox.MessagesSent;
            }

            LoopReports.StopAndVerify(_group, loops, sent, "messages");
        }

        _mailboxPingPong?.Dispose();
        _mailbox?.Dispose();
        _akkaPingPong?.Dispose();
        _akka?.Dispose();
        _protoPingPong?.Dispose();
        _proto?.Dispose();
    }

    /// <summary>Baseline, SpawnAndStop: <c>ActorOf</c> × Loops, an awaited <c>Ask</c> to each, a <c>PoisonPill</c> to each, until every <c>PostStop</c> has run.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("SpawnAndStop")]
    [OperationsPerInvokeFrom(nameof(Loops))]
    public async Task Akka_SpawnAndStop()
    {
        AkkaPopulation akka = _akka!;
        akka.Spawn();
        await akka.RoundTripAsync().ConfigureAwait(false);
        akka.Stop();
    }

    /// <summary>SpawnAndStop: <c>LoopGroup.Create</c>, <c>group.Spawn</c> × Loops, an awaited <c>RunAsync</c> to each, then <c>group.StopAsync()</c>; its report must count every loop and request.</summary>
    [Benchmark]
    [BenchmarkCategory("SpawnAndStop")]
    [OperationsPerInvokeFrom(nameof(Loops))]
    public async Task Mailbox_SpawnAndStop()
    {
        MailboxPopulation mailbox = _mailbox!;
        LoopGroup group = LoopGroup.Create("bench-many-loops", s_groupOptions);
        mailbox.Spawn(group);
        await mailbox.RoundTripAsync().ConfigureAwait(false);
        LoopGroupReport report = await group.StopAsync().ConfigureAwait(false);
        LoopReports.Verify(group, report, mailbox.Count, mailbox.MessagesSent, "requests");
    }

    /// <summary>SpawnAndStop: <c>Root.Spawn</c> × Loops, an awaited <c>RequestAsync</c> to each, a <c>Poison</c> to each, until every actor has received <c>Stopped</c>.</summary>
    [Benchmark]
    [BenchmarkCategory("SpawnAndStop")]
    [OperationsPerInvokeFrom(nameof(Loops))]
    public async Task Proto_SpawnAndStop()
    {
        ProtoPopulation proto = _proto!;
        proto.Spawn();
        await proto.RoundTripAsync().ConfigureAwait(false);
        proto.Stop();
    }

    /// <summary>Baseline, Storm: <c>Tell</c> of a cached message, 100 to each actor round-robin, until all ran.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Storm")]
    [OperationsPerInvokeFrom(nameof(Loops), EntityPopulation.StormMessagesPerEntity)]
    public void Akka_Storm() => _akka!.Storm();

    /// <summary>Storm: <c>Post&lt;TState&gt;</c> of a static lambda with the loop's tally, 100 to each loop round-robin, until all ran.</summary>
    [Benchmark]
    [BenchmarkCategory("Storm")]
    [OperationsPerInvokeFrom(nameof(Loops), EntityPopulation.StormMessagesPerEntity)]
    public void Mailbox_Storm() => _mailbox!.Storm();

    /// <summary>Storm: <c>Root.Send</c> of a cached message, 100 to each actor round-robin, until all ran.</summary>
    [Benchmark]
    [BenchmarkCategory("Storm")]
    [OperationsPerInvokeFrom(nameof(Loops), EntityPopulation.StormMessagesPerEntity)]
    public void Proto_Storm() => _proto!.Storm();

    /// <summary>Baseline, PingPong: two actors <c>Tell</c> the ball back to its sender.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Hits)]
    [BenchmarkCategory("PingPong")]
    public void Akka_PingPong() => _akkaPingPong!.Play(Hits);

    /// <summary>PingPong: two grouped loops on different threads <c>Post</c> the ball to each other.</summary>
    [Benchmark(OperationsPerInvoke = Hits)]
    [BenchmarkCategory("PingPong")]
    public void Mailbox_PingPong_TwoThreads() => _mailboxPingPong!.Play(Hits);

    /// <summary>PingPong: two grouped loops on the same thread <c>Post</c> the ball to each other.</summary>
    [Benchmark(OperationsPerInvoke = Hits)]
    [BenchmarkCategory("PingPong")]
    public void Mailbox_PingPong_OneThread() => _mailboxPingPong!.Play(Hits);

    /// <summary>PingPong: two actors <c>Send</c> the ball to each other's PID.</summary>
    [Benchmark(OperationsPerInvoke = Hits)]
    [BenchmarkCategory("PingPong")]
    public void Proto_PingPong() => _protoPingPong!.Play(Hits);

    /// <summary>Spawns <see cref="Loops"/> loops into <paramref name="group"/> and asks each once.</summary>
    private void SpawnMailboxPopulation(LoopGroup group)
    {
        _mailbox = new MailboxPopulation(Loops);
        _mailbox.Spawn(group);
        _mailbox.RoundTripAsync().GetAwaiter().GetResult();
    }
}
