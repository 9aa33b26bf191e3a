using System.Diagnostics;
using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>Many loops on few threads: spawned, used and stopped, with reports exact to the message.</summary>
public sealed class ManyLoopsTests(ITestOutputHelper output) : GroupTestKit(output)
{
    /// <summary>Wall-clock bound for the 100,000-loop run: a hang guard on a loaded 2-core machine, not a speed target (the bench has those).</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Tagged Stress: 100,000 loops are some 150 MB at the 1,500 B per loop and take seconds on a shared 2-core
    /// machine; the 1,000-loop variant below keeps the same checks in the fast suite.
    /// </summary>
    [Fact]
    [Trait("Category", "Stress")]
    public async Task Spawn_HundredThousandLoopsUsedThenGroupStopped_ReportsAreExact() =>
        await SpawnUseAndStopAsync(100_000);

    [Fact]
    public async Task Spawn_ThousandLoopsUsedThenGroupStopped_ReportsAreExact() =>
        await SpawnUseAndStopAsync(1_000);

    /// <summary>
    /// Spawns <paramref name="count"/> loops in a group of 2 threads; loop i gets i % 3 posts and, every tenth, one
    /// RunAsync; then the group stops with Drain. Every loop's report and the group's sums must match what was sent.
    /// </summary>
    private async Task SpawnUseAndStopAsync(int count)
    {
        var watch = Stopwatch.StartNew();
        await using var group = CreateGroup(threads: 2);
        var loops = new LoopActor[count];
        for (int i = 0; i < count; i++)
        {
            loops[i] = group.Spawn("many");
        }

        Assert.Equal(count, group.LoopCount);
        var spawned = watch.Elapsed;
        long ran = 0;
        long sent = 0;
        var coroutines = new List<Task<int>>();
        for (int i = 0; i < count; i++)
        {
            for (int p = 0; p < i % 3; p++)
            {
                loops[i].Post(() => Interlocked.Increment(ref ran));
                sent++;
            }

            if (i % 10 == 0)
            {
                int n = i;
                coroutines.Add(loops[i].RunAsync(() => Task.FromResult(n)));
                sent++;
            }
        }

        var results = await WithinBudget(Task.WhenAll(coroutines));
        Assert.Equal(Enumerable.Range(0, count).Where(i => i % 10 == 0), results);

        var report = await WithinBudget(group.StopAsync(StopMode.Drain));
        await WithinBudget(group.Completion);
        var stopped = watch.Elapsed;

        Assert.Equal(sent - coroutines.Count, Interlocked.Read(ref ran));
        Assert.Equal(count, report.Loops);
        Assert.Equal(sent, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(0, report.CancelledCoroutines);
        Assert.Equal(0, report.CancelledTimers);
        Assert.False(report.TimedOut);
        Assert.Equal(0, group.LoopCount);
        for (int i = 0; i < count; i++)
        {
            var loop = loops[i];
            Assert.True(loop.Completion.IsCompletedSuccessfully, $"loop {i}: Completion is not done after the group's");
            var own = loop.Completion.Result;
            long expected = (i % 3) + (i % 10 == 0 ? 1 : 0);
            Assert.Equal(expected, own.Executed);
            Assert.Equal(0, own.Discarded);
            Assert.Equal(expected, loop.AcceptedMessages);
            Assert.Equal(LoopState.Stopped, loop.State);
        }

        Output.WriteLine($"{count} loops: spawned in {spawned.TotalMilliseconds:F0} ms, all used and stopped after {stopped.TotalMilliseconds:F0} ms");
    }

    private static async Task<T> WithinBudget<T>(Task<T> task)
    {
        var finished = await Task.WhenAny(task, Task.Delay(Budget));
        Assert.True(finished == task, $"the task did not complete within {Budget}");
        return await task;
    }
}
