using BenchmarkDotNet.Attributes;
using Mailbox.Bench.Baselines;

namespace Mailbox.Bench;

/// <summary>
/// Fire-and-forget throughput across many loops: <see cref="Producers"/> foreign threads send <see cref="N"/> no-op
/// messages in all, each producer round-robin across <see cref="Loops"/> loops (starting half-way round from the other,
/// so they do not march on the same loop in step), and one invocation lasts from the first send until every loop has
/// run its share. The loops are created in [GlobalSetup] and reused. Each loop counts on its own
/// <see cref="CompletionCountdown"/>, so every subject pays the same plain decrement per message.
/// </summary>
/// <remarks>
/// With many loops each one is mostly idle: it sees a message every <see cref="Loops"/> sends, so the numbers are about
/// parking and waking reader threads (Mailbox: spin, then a park signal; the raw loop: a wake-up through the thread
/// pool) more than about queueing.
/// </remarks>
public class ScalingBenchmarks
{
    /// <summary>Messages per invocation, across all producers and loops.</summary>
    private const int N = 1_000_000;

    /// <summary>Producer threads; two, as on the 2-core machine the results are taken on.</summary>
    private const int Producers = 2;

    /// <summary>One countdown per loop.</summary>
    private CompletionCountdown[] _countdowns = [];

    /// <summary>Per loop, its countdown's <see cref="CompletionCountdown.Signal"/>, bound once: the message sent to that loop.</summary>
    private Action[] _signals = [];

    /// <summary>The baseline subjects.</summary>
    private RawChannelLoop[] _rawLoops = [];

    /// <summary>The Mailbox subjects.</summary>
    private LoopActor[] _loops = [];

    /// <summary>Messages sent to each Mailbox loop over the process's life, to check their <see cref="StopReport"/>s.</summary>
    private long _postedPerLoop;

    /// <summary>Loops fed at once.</summary>
    [Params(
        1,    // every message to one loop: the same work as PostThroughputBenchmarks with two producers, as the reference point.
        10,   // a few loops per core: each reader idles between messages and is woken often.
        100)] // far more loops than cores: readers park and wake all the time, and their threads compete for the 2 cores.
    public int Loops { get; set; }

    /// <summary>Starts <see cref="Loops"/> raw channel loops.</summary>
    [GlobalSetup(Target = nameof(RawChannel))]
    public void SetupRawChannel()
    {
        SetupCommon();
        _rawLoops = new RawChannelLoop[Loops];
        for (int i = 0; i < _rawLoops.Length; i++)
        {
            _rawLoops[i] = new RawChannelLoop("bench-scaling");
        }
    }

    /// <summary>Spawns <see cref="Loops"/> Mailbox loops.</summary>
    [GlobalSetup(Target = nameof(Mailbox_Post))]
    public void SetupMailbox()
    {
        SetupCommon();
        _loops = new LoopActor[Loops];
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = LoopActor.Spawn("bench-scaling");
        }
    }

    /// <summary>Stops whichever loops this process set up; for Mailbox, checks that each report counts every post to that loop.</summary>
    /// <exception cref="InvalidOperationException">A Mailbox loop's report disagrees with the posts sent to it.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (RawChannelLoop loop in _rawLoops)
        {
            loop.Dispose();
        }

        foreach (LoopActor loop in _loops)
        {
            LoopReports.StopAndVerify(loop, _postedPerLoop, "posts");
        }

        foreach (CompletionCountdown countdown in _countdowns)
        {
            countdown.Dispose();
        }
    }

    /// <summary>Baseline: <see cref="RawChannelLoop.Post"/> of each loop's cached action.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void RawChannel() => Produce(ProduceRawChannel);

    /// <summary><see cref="LoopActor.Post(Action)"/> of each loop's cached action.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void Mailbox_Post()
    {
        _postedPerLoop += N / Loops;
        Produce(ProduceMailboxPost);
    }

    /// <summary>Creates the per-loop countdowns and messages.</summary>
    private void SetupCommon()
    {
        if (N / Producers % Loops != 0)
        {
            throw new InvalidOperationException($"{N / Producers} messages per producer do not split evenly over {Loops} loops.");
        }

        _countdowns = new CompletionCountdown[Loops];
        _signals = new Action[Loops];
        for (int i = 0; i < Loops; i++)
        {
            _countdowns[i] = new CompletionCountdown();
            _signals[i] = _countdowns[i].Signal;
        }
    }

    /// <summary>Starts the producers, each sending its share through <paramref name="produce"/> (given its first loop), then waits until every loop has run its share.</summary>
    private void Produce(Action<int> produce)
    {
        foreach (CompletionCountdown countdown in _countdowns)
        {
            countdown.Reset(N / Loops);
        }

        var producers = new Thread[Producers];
        for (int p = 0; p < producers.Length; p++)
        {
            int first = p * Loops / Producers;
            producers[p] = new Thread(() => produce(first)) { IsBackground = true, Name = "bench-producer" };
        }

        foreach (Thread producer in producers)
        {
            producer.Start();
        }

        foreach (CompletionCountdown countdown in _countdowns)
        {
            countdown.Wait();
        }

        foreach (Thread producer in producers)
        {
            producer.Join();
        }
    }

    /// <summary>One producer's share for <see cref="RawChannel"/>, round-robin from loop <paramref name="first"/>.</summary>
    private void ProduceRawChannel(int first)
    {
        RawChannelLoop[] loops = _rawLoops;
        Action[] signals = _signals;
        int next = first;
        for (int i = 0; i < N / Producers; i++)
        {
            loops[next].Post(signals[next]);
            if (++next == loops.Length)
            {
                next = 0;
            }
        }
    }

    /// <summary>One producer's share for <see cref="Mailbox_Post"/>, round-robin from loop <paramref name="first"/>.</summary>
    private void ProduceMailboxPost(int first)
    {
        LoopActor[] loops = _loops;
        Action[] signals = _signals;
        int next = first;
        for (int i = 0; i < N / Producers; i++)
        {
            loops[next].Post(signals[next]);
            if (++next == loops.Length)
            {
                next = 0;
            }
        }
    }
}
