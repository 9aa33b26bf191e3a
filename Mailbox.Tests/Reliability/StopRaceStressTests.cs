using System.Diagnostics;
using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

public abstract class StopRaceStressTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private const int MaxRounds = 1_000;
    private const int Producers = 4;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(25);

    [Fact]
    [Trait("Category", "Stress")]
    public async Task StopAsync_RacingFourProducers_AccountsForEveryMessageExactly()
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(20261124);
        long totalSent = 0, totalExecuted = 0, totalRefused = 0, totalDiscarded = 0, totalTimers = 0;
        int rounds = 0;
        while (rounds < MaxRounds && clock.Elapsed < Budget)
        {
            var outcome = await RunRound(random.Next(), random.Next(2) == 0 ? StopMode.Drain : StopMode.Immediate);
            totalSent += outcome.Sent;
            totalExecuted += outcome.Executed;
            totalRefused += outcome.Refused;
            totalDiscarded += outcome.Discarded;
            totalTimers += outcome.Timers;
            rounds++;
        }

        long lost = totalSent - totalExecuted - totalRefused - totalDiscarded;
        Output?.WriteLine($"rounds {rounds}, sent {totalSent}, executed {totalExecuted}, refused {totalRefused}, discarded {totalDiscarded}, timers {totalTimers}, lost {lost}, in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, lost);
        Assert.True(rounds >= 100, $"only {rounds} rounds ran within the budget");
    }

    private async Task<RoundOutcome> RunRound(int seed, StopMode mode)
    {
        var loop = Spawn(name: "stress");
        long postsRan = 0, coroutinesRan = 0; // loop-owned
        var sent = new long[Producers];
        var refused = new long[Producers];
        var tasks = new List<Task>[Producers];
        var timers = new List<TimerHandle>[Producers];
        var escaped = new List<Exception>();
        using var start = new Barrier(Producers + 1);

        var threads = new Thread[Producers];
        for (int p = 0; p < Producers; p++)
        {
            int me = p;
            tasks[me] = [];
            timers[me] = [];
            threads[me] = new Thread(() =>
            {
                var random = new Random(seed + me);
                int ops = random.Next(50, 400);
                start.SignalAndWait();
                try
                {
                    for (int i = 0; i < ops; i++)
                    {
                        switch (random.Next(5))
                        {
                            case 0:
                            case 1:
                                sent[me]++;
                                try { loop.Post(() => postsRan++); }
                                catch (LoopStoppedException) { refused[me]++; }
                                break;
                            case 2:
                                sent[me]++;
                                if (!loop.TryPost(() => postsRan++)) refused[me]++;
                                break;
                            case 3:
                                sent[me]++;
                                tasks[me].Add(loop.RunAsync(async () => { coroutinesRan++; await LoopActor.Yield(); }));
                                break;
                            default:
                                try { timers[me].Add(loop.CallLater(TimeSpan.FromTicks(random.Next(0, 20_000)), () => { })); }
                                catch (LoopStoppedException) { }
                                break;
                        }
                    }
                }
#pragma warning disable CA1031 // anything but LoopStoppedException escaping to a producer is the failure this test looks for
                catch (Exception e)
#pragma warning restore CA1031
                {
                    lock (escaped) escaped.Add(e);
                }
            });
            threads[me].Start();
        }

        start.SignalAndWait();
        Thread.SpinWait(new Random(seed).Next(0, 200_000)); // a random moment, not a sleep: the stop races the producers
        var report = await loop.StopAsync(mode);
        foreach (var thread in threads)
        {
            thread.Join();
        }

        await loop.Completion;
        Assert.Empty(escaped);
        var allTasks = tasks.SelectMany(t => t).ToArray();
        var finished = await Task.WhenAny(Task.WhenAll(allTasks), Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.All(allTasks, t => Assert.True(t.IsCompleted, "a RunAsync task never completed"));
        Assert.All(allTasks, t => Assert.True(t.IsCompletedSuccessfully || t.Exception!.InnerException is LoopStoppedException, t.Exception?.ToString()));

        long sentTotal = sent.Sum();
        long refusedTotal = loop.RefusedMessages;
        Assert.True(refused.Sum() <= refusedTotal); // RunAsync refusals are counted by the loop, not the producers
        Assert.Equal(sentTotal, report.Executed + refusedTotal + report.Discarded);
        Assert.Equal(report.Executed, postsRan + coroutinesRan);
        Assert.Equal(loop.AcceptedMessages, report.Executed + report.Discarded);

        var allTimers = timers.SelectMany(t => t).ToArray();
        Assert.All(allTimers, h => Assert.True(h.HasFired ^ h.IsCancelled, "a timer neither fired nor was cancelled, or both"));
        Assert.Equal(allTimers.Count(h => h.IsCancelled), report.CancelledTimers);
        return new RoundOutcome(sentTotal, report.Executed, refusedTotal, report.Discarded, allTimers.Length);
    }

    private sealed record RoundOutcome(long Sent, long Executed, long Refused, long Discarded, int Timers);
}

/// <summary><see cref="StopRaceStressTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class StopRaceStressTests_Dedicated(ITestOutputHelper output) : StopRaceStressTests(output);

/// <summary><see cref="StopRaceStressTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class StopRaceStressTests_Grouped(ITestOutputHelper output) : StopRaceStressTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}
