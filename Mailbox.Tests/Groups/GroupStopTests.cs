using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// <see cref="LoopGroup.StopAsync"/> stops every loop with its mode; the <see cref="LoopGroupReport"/> sums every
/// loop the group ever held, so Executed + Discarded is every message any of them accepted, exactly.
/// </summary>
/// <remarks>
/// Each test holds both threads of the group in a gate (one loop per thread), then queues work into 1,000 loops, so
/// that everything but the gates is still queued when the stop comes: the stop, on each loop's control lane, overtakes
/// it. A few loops are stopped on their own first: the group's sums include them.
/// </remarks>
public sealed class GroupStopTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private const int Loops = 1_000;

    private const int StoppedEarly = 10;

    [Fact]
    public async Task StopAsyncImmediate_ThousandLoopsWithQueuedWork_DiscardsAllOfItAndTheSumsAreExact()
    {
        await using var setup = await QueueWorkBehindGatesAsync();
        var stop = setup.Group.StopAsync(StopMode.Immediate);
        setup.OpenGates();
        var report = await WithinAsync(stop);
        await WithinAsync(setup.Group.Completion);

        Assert.Equal(0, Interlocked.Read(ref setup.Ran.Value));
        Assert.Equal(Loops, report.Loops);
        Assert.Equal(setup.ExecutedBefore + setup.Gates, report.Executed); // only what ran before, and the callbacks running when the stop came
        Assert.Equal(setup.Queued, report.Discarded);
        Assert.Equal(setup.Accepted, report.Executed + report.Discarded);
        Assert.Equal(SumOfLoopAccepted(setup.All), report.Executed + report.Discarded);
        AssertSumsOfLoopReports(setup.All, report);
        foreach (var coroutine in setup.Coroutines)
        {
            await Assert.ThrowsAsync<LoopStoppedException>(() => WithinAsync(coroutine));
        }
    }

    [Fact]
    public async Task StopAsyncDrain_ThousandLoopsWithQueuedWork_RunsAllOfItAndTheSumsAreExact()
    {
        await using var setup = await QueueWorkBehindGatesAsync();
        var stop = setup.Group.StopAsync(StopMode.Drain);
        setup.OpenGates();
        var report = await WithinAsync(stop);
        await WithinAsync(setup.Group.Completion);

        Assert.Equal(setup.Queued - setup.Coroutines.Count, Interlocked.Read(ref setup.Ran.Value));
        Assert.Equal(Loops, report.Loops);
        Assert.Equal(setup.ExecutedBefore + setup.Gates + setup.Queued, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(setup.Accepted, report.Executed);
        Assert.Equal(SumOfLoopAccepted(setup.All), report.Executed);
        AssertSumsOfLoopReports(setup.All, report);
        Assert.Equal(Enumerable.Range(0, Loops - StoppedEarly).Where(i => i % 7 == 0), await WithinAsync(Task.WhenAll(setup.Coroutines)));
        Assert.All(setup.All, l => Assert.Throws<LoopStoppedException>(() => l.Post(() => { }))); // every later send is refused
    }

    private static long SumOfLoopAccepted(IEnumerable<LoopActor> loops) => loops.Sum(l => l.AcceptedMessages);

    /// <summary>The group's report is the sum of its loops' own reports (each complete once the group's is).</summary>
    private static void AssertSumsOfLoopReports(IReadOnlyList<LoopActor> loops, LoopGroupReport report)
    {
        Assert.All(loops, l => Assert.True(l.Completion.IsCompletedSuccessfully));
        var own = loops.Select(l => l.Completion.Result).ToArray();
        Assert.Equal(own.Sum(r => r.Executed), report.Executed);
        Assert.Equal(own.Sum(r => r.Discarded), report.Discarded);
        Assert.Equal(own.Sum(r => r.CancelledCoroutines), report.CancelledCoroutines);
        Assert.Equal(own.Sum(r => r.CancelledTimers), report.CancelledTimers);
        Assert.Equal(own.Any(r => r.TimedOut), report.TimedOut);
    }

    /// <summary>
    /// 1,000 loops in a group of 2 threads: 10 used and stopped on their own, one loop per thread held in a gate, and
    /// behind the gates, loop i (of the rest) with i % 4 posts and, every seventh, a RunAsync.
    /// </summary>
    private async Task<Setup> QueueWorkBehindGatesAsync()
    {
        var group = CreateGroup(threads: 2);
        var all = Enumerable.Range(0, Loops).Select(i => group.Spawn($"stopped {i}")).ToList();

        long executedBefore = 0;
        foreach (var early in all.Take(StoppedEarly))
        {
            early.Post(() => { });
            early.Post(() => { });
            executedBefore += (await WithinAsync(early.StopAsync())).Executed;
        }

        Assert.Equal(2 * StoppedEarly, executedBefore);
        var live = all.Skip(StoppedEarly).ToList();
        var threads = await ThreadsOfAsync(live);
        executedBefore += live.Count; // the thread queries are accepted (and executed) messages too
        long accepted = executedBefore;

        // One gate per thread, each held by the first live loop placed there.
        var gates = new List<Gate>();
        foreach (int thread in threads.Distinct())
        {
            var gate = new Gate();
            live[Array.IndexOf(threads, thread)].Post(gate.Hold);
            await gate.EnteredAsync();
            gates.Add(gate);
        }

        Assert.Equal(2, gates.Count);
        accepted += gates.Count;
        var ran = new RanCounter();
        var coroutines = new List<Task<int>>();
        long queued = 0;
        for (int i = 0; i < live.Count; i++)
        {
            for (int p = 0; p < i % 4; p++)
            {
                live[i].Post(() => Interlocked.Increment(ref ran.Value));
                queued++;
            }

            if (i % 7 == 0)
            {
                int n = i;
                coroutines.Add(live[i].RunAsync(() => Task.FromResult(n)));
                queued++;
            }
        }

        accepted += queued;
        return new Setup(group, all, gates, ran, coroutines, executedBefore, gates.Count, queued, accepted);
    }

    /// <summary>A counter the loops of both threads increment.</summary>
    private sealed class RanCounter
    {
        public long Value;
    }

    private sealed record Setup(
        LoopGroup Group,
        IReadOnlyList<LoopActor> All,
        IReadOnlyList<Gate> GateList,
        RanCounter Ran,
        IReadOnlyList<Task<int>> Coroutines,
        long ExecutedBefore,
        int Gates,
        long Queued,
        long Accepted) : IAsyncDisposable
    {
        /// <summary>Opens the gates (if a failed test left them shut) and stops the group.</summary>
        public async ValueTask DisposeAsync()
        {
            foreach (var gate in GateList)
            {
                gate.Dispose();
            }

            await Group.DisposeAsync();
        }

        public void OpenGates()
        {
            foreach (var gate in GateList)
            {
                gate.Open();
            }
        }
    }
}
