using BenchmarkDotNet.Attributes;
using Mailbox.Bench.Baselines;
using Microsoft.Extensions.Time.Testing;

namespace Mailbox.Bench;

/// <summary>
/// Cost per timer against the number pending: each invocation sets and fires <see cref="Total"/> timers with random delays
/// uniform in (0, 100 ms) (fixed seed), in rounds of <see cref="Pending"/> — set them all from a callback on the loop, move
/// the fake clock past the last, wait until the last has fired. One operation = one timer set and fired with
/// <see cref="Pending"/> timers pending at its round's peak; a store whose cost per timer does not grow with the number
/// pending draws a flat line. Subjects: the bare <see cref="PriorityQueue{TElement, TPriority}"/> loop
/// (<see cref="TimerHeapLoop"/>, baseline), <see cref="LoopActor.CallLater(TimeSpan, Action)"/> (a handle per timer) and
/// <see cref="LoopActor.CallLater{TState}"/> (a token, nothing allocated).
/// </summary>
/// <remarks>
/// Below 1,000,000 pending, a round's fixed cost (a <c>RunUntilComplete</c>, an <c>Advance</c>, a wake-up) is spread over
/// fewer timers — at 1,000 pending, a few ns per timer, paid by every subject alike.
/// </remarks>
public class TimerPopulationBenchmarks
{
    /// <summary>Timers per invocation, whatever the population.</summary>
    private const int Total = 1_000_000;

    /// <summary>The spread of the delays.</summary>
    private const long SpreadTicks = TimeSpan.TicksPerMillisecond * 100;

    /// <summary>What a <see cref="LoopActor.CallLater{TState}"/> timer runs.</summary>
    private static readonly Action<CompletionCountdown> s_signal = static countdown => countdown.Signal();

    private readonly CompletionCountdown _countdown = new();

    private long[] _delays = [];

    private TimerHeapLoop? _heap;

    private FakeTimeProvider? _clock;

    private LoopActor? _loop;

    private Action _heapRound = null!;

    private Func<Task> _handleRound = null!;

    private Func<Task> _tokenRound = null!;

    private long _loopRequests;

    /// <summary>Timers pending at the peak of each round.</summary>
    [Params(1_000, 10_000, 100_000, 1_000_000)]
    public int Pending { get; set; }

    /// <summary>Draws the delays and starts both loops (each benchmark process uses one).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261201);
        _delays = new long[Pending];
        for (int i = 0; i < _delays.Length; i++)
        {
            _delays[i] = random.NextInt64(1, SpreadTicks);
        }

        Action signal = _countdown.Signal;
        _heap = new TimerHeapLoop("bench-timer-population-heap");
        _clock = new FakeTimeProvider();
        _loop = LoopActor.Spawn("bench-timer-population", new LoopOptions { TimeProvider = _clock });
        _heapRound = () =>
        {
            foreach (long delay in _delays)
            {
                _heap.CallLater(delay, signal);
            }
        };
        _handleRound = () =>
        {
            foreach (long delay in _delays)
            {
                _ = _loop.CallLater(TimeSpan.FromTicks(delay), signal);
            }

            return Task.CompletedTask;
        };
        _tokenRound = () =>
        {
            foreach (long delay in _delays)
            {
                _ = _loop.CallLater(TimeSpan.FromTicks(delay), s_signal, _countdown);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>Stops both loops; Mailbox's report must count every round and no timer left.</summary>
    /// <exception cref="InvalidOperationException">The report disagrees.</exception>
    [GlobalCleanup]
    public void Cleanup()
    {
        _heap?.Dispose();
        StopReport report = _loop!.StopAsync().GetAwaiter().GetResult();
        if (report.Executed != _loopRequests || report.CancelledTimers != 0)
        {
            throw new InvalidOperationException($"Mailbox's report {report} disagrees with {_loopRequests} rounds and no timer left.");
        }

        _countdown.Dispose();
    }

    /// <summary>Baseline: the bare heap loop, in rounds of <see cref="Pending"/>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Total)]
    public void PriorityQueue_ScheduleFire()
    {
        for (int done = 0; done < Total; done += Pending)
        {
            _countdown.Reset(Pending);
            _heap!.Post(_heapRound);
            _heap.Advance(SpreadTicks);
            _countdown.Wait();
        }
    }

    /// <summary><see cref="LoopActor.CallLater(TimeSpan, Action)"/>, in rounds of <see cref="Pending"/>.</summary>
    [Benchmark(OperationsPerInvoke = Total)]
    public void Mailbox_CallLater() => LoopRounds(_handleRound);

    /// <summary><see cref="LoopActor.CallLater{TState}"/>, in rounds of <see cref="Pending"/>.</summary>
    [Benchmark(OperationsPerInvoke = Total)]
    public void Mailbox_CallLaterState() => LoopRounds(_tokenRound);

    private void LoopRounds(Func<Task> round)
    {
        for (int done = 0; done < Total; done += Pending)
        {
            _countdown.Reset(Pending);
            _loopRequests++;
            _loop!.RunUntilComplete(round);
            _clock!.Advance(TimeSpan.FromTicks(SpreadTicks));
            _countdown.Wait();
        }
    }
}
