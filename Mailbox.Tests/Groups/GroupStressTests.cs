using System.Diagnostics;
using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// 8 producer threads post into 1,000 grouped loops while random loops are stopped, then the group's stop races them:
/// every message sent is executed, refused or discarded, exactly.
/// </summary>
public sealed class GroupStressTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private const int Producers = 8;

    private const int Loops = 1_000;

    /// <summary>Operations per producer, at most.</summary>
    private const int MaxOps = 5_000;

    /// <summary>Loops the stopper stops while the producers run.</summary>
    private const int StoppedWhileRunning = 100;

    /// <summary>Wall-clock bound on the producers: they quit early rather than run past it.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    [Theory]
    [Trait("Category", "Stress")]
    [InlineData(StopMode.Drain, 20261201)]
    [InlineData(StopMode.Immediate, 20261202)]
    public async Task StopAsync_EightProducersThousandLoopsRandomStops_SentEqualsExecutedPlusRefusedPlusDiscarded(StopMode groupMode, int seed)
    {
        var watch = Stopwatch.StartNew();
        var clock = new FakeTimeProvider();
        await using var group = CreateGroup(threads: 2);
        var loops = Enumerable.Range(0, Loops).Select(i => group.Spawn($"stress {i}", new LoopOptions { TimeProvider = clock })).ToArray();
        long ran = 0;
        var box = new RanBox(); // the Post<TState> sends count here
        long opsDone = 0;
        var sent = new long[Producers];
        var refusedAtCall = new long[Producers];
        var tasks = new List<Task>[Producers];
        var timers = new List<TimerHandle>[Producers];
        var escaped = new List<Exception>();
        using var start = new Barrier(Producers + 2);

        var threads = new Thread[Producers + 1];
        for (int p = 0; p < Producers; p++)
        {
            int me = p;
            tasks[me] = [];
            timers[me] = [];
            threads[me] = new Thread(() =>
            {
                var random = new Random(seed + me);
                start.SignalAndWait();
                try
                {
                    for (int i = 0; i < MaxOps && watch.Elapsed < Budget; i++)
                    {
                        var loop = loops[random.Next(Loops)];
                        switch (random.Next(8))
                        {
                            case 0:
                            case 1:
                            case 2:
                                sent[me]++;
                                try { loop.Post(() => Interlocked.Increment(ref ran)); }
                                catch (LoopStoppedException) { refusedAtCall[me]++; }
                                break;
                            case 3:
                                sent[me]++;
                                if (!loop.TryPost(() => Interlocked.Increment(ref ran))) refusedAtCall[me]++;
                                break;
                            case 4:
                                sent[me]++;
                                try { loop.Post(static r => Interlocked.Increment(ref r.Value), box); }
                                catch (LoopStoppedException) { refusedAtCall[me]++; }
                                break;
                            case 5:
                                sent[me]++;
                                tasks[me].Add(loop.RunAsync(async () => { Interlocked.Increment(ref ran); await LoopActor.Yield(); }));
                                break;
                            case 6:
                                try { timers[me].Add(loop.CallLater(TimeSpan.FromMilliseconds(random.Next(0, 10)), () => { })); }
                                catch (LoopStoppedException) { }
                                break;
                            default:
                                if (me == 0) clock.Advance(TimeSpan.FromMilliseconds(1)); // one thread moves the loops' shared clock
                                break;
                        }

                        Interlocked.Increment(ref opsDone);
                    }
                }
#pragma warning disable CA1031 // anything but LoopStoppedException escaping to a producer is the failure this test looks for
                catch (Exception e)
#pragma warning restore CA1031
                {
                    lock (escaped) escaped.Add(e);
                }
            });
        }

        // The stopper: random loops, random modes, at random moments (spins, not sleeps).
        var stopReports = new List<Task<StopReport>>();
        threads[Producers] = new Thread(() =>
        {
            var random = new Random(seed);
            start.SignalAndWait();
            foreach (int i in Enumerable.Range(0, Loops).OrderBy(_ => random.Next()).Take(StoppedWhileRunning))
            {
                Thread.SpinWait(random.Next(0, 20_000));
                stopReports.Add(loops[i].StopAsync(random.Next(2) == 0 ? StopMode.Drain : StopMode.Immediate));
            }
        });

        foreach (var thread in threads)
        {
            thread.Start();
        }

        start.SignalAndWait();

        // The group's stop races the producers: it comes once they have done about half their work.
        long halfway = Producers * MaxOps / 2;
        while (Interlocked.Read(ref opsDone) < halfway && watch.Elapsed < Budget)
        {
            Thread.SpinWait(1_000);
        }

        var report = await WithinAsync(group.StopAsync(groupMode));
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(Patience), "a producer did not finish");
        }

        await WithinAsync(group.Completion);
        Assert.Empty(escaped);
        await WithinAsync(Task.WhenAll(stopReports));

        var allTasks = tasks.SelectMany(t => t).ToArray();
        await Task.WhenAny(Task.WhenAll(allTasks), Task.Delay(Patience));
        Assert.All(allTasks, t => Assert.True(t.IsCompleted, "a RunAsync task never completed"));
        Assert.All(allTasks, t => Assert.True(t.IsCompletedSuccessfully || t.Exception!.InnerException is LoopStoppedException, t.Exception?.ToString()));

        long sentTotal = sent.Sum();
        long refused = loops.Sum(l => l.RefusedMessages);
        long lost = sentTotal - report.Executed - refused - report.Discarded;
        Output.WriteLine($"{groupMode}: sent {sentTotal}, executed {report.Executed}, refused {refused} (at the call {refusedAtCall.Sum()}), discarded {report.Discarded}, lost {lost}, in {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.True(refusedAtCall.Sum() <= refused); // refused RunAsyncs are counted by the loops, not at the call
        Assert.Equal(0, lost);
        Assert.Equal(report.Executed, Interlocked.Read(ref ran) + Interlocked.Read(ref box.Value));
        Assert.Equal(loops.Sum(l => l.AcceptedMessages), report.Executed + report.Discarded);
        Assert.Equal(Loops, report.Loops);
        foreach (var loop in loops)
        {
            var own = await WithinAsync(loop.Completion);
            Assert.Equal(loop.AcceptedMessages, own.Executed + own.Discarded);
        }

        var allTimers = timers.SelectMany(t => t).ToArray();
        Assert.All(allTimers, h => Assert.True(h.HasFired ^ h.IsCancelled, "a timer neither fired nor was cancelled, or both"));
        Assert.Equal(allTimers.Count(h => h.IsCancelled), report.CancelledTimers);
    }

    /// <summary>State for the <c>Post&lt;TState&gt;</c> sends: a reference, so the post allocates nothing.</summary>
    private sealed class RanBox
    {
        public long Value;
    }
}
