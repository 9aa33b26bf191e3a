using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// Guarantee 9 for the group: after its <see cref="LoopGroup.Completion"/> its threads are no longer alive and every
/// provider timer it armed is disposed. A test sees the threads by capturing <see cref="Thread.CurrentThread"/> inside
/// callbacks, one loop per thread.
/// </summary>
public sealed class GroupCompletionTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)] // foreground threads are the ones that would keep a process alive
    public async Task Completion_AfterStop_NoThreadOfTheGroupIsAlive(bool isBackground)
    {
        const int Threads = 2;
        await using var group = CreateGroup(threads: Threads, isBackground: isBackground);
        Assert.Equal(Threads, group.ThreadCount);
        var threads = await CaptureEveryThreadAsync(group);
        Assert.Equal(Threads, threads.Count);
        Assert.All(threads, t => Assert.Equal(isBackground, t.IsBackground));
        Assert.All(threads, t => Assert.True(t.IsAlive));

        var stop = group.StopAsync();
        var completion = await WithinAsync(group.Completion);
        var report = await WithinAsync(stop);

        Assert.All(threads, t => Assert.False(t.IsAlive, $"thread '{t.Name}' is still alive after the group's Completion"));
        Assert.Equal(report, completion);
        Assert.Equal(report, await WithinAsync(group.StopAsync(StopMode.Immediate))); // a second stop: the same sums
        Assert.Equal(0, group.LoopCount);
    }

    [Fact]
    public async Task Completion_AfterStop_EveryProviderTimerTheGroupArmedIsDisposed()
    {
        var fake = new FakeTimeProvider();
        var clock = new CountingTimeProvider(fake);
        await using var group = CreateGroup(threads: 2);
        var loops = Enumerable.Range(0, 100).Select(i => group.Spawn($"timed {i}", new LoopOptions { TimeProvider = clock })).ToArray();
        var fired = 0;
        foreach (var loop in loops)
        {
            loop.CallLater(TimeSpan.FromSeconds(1), () => Interlocked.Increment(ref fired));
            loop.CallLater(TimeSpan.FromHours(1), () => { });
        }

        await WithinAsync(Task.WhenAll(loops.Select(l => l.QueryPendingAsync())));
        await AwaitConditionAsync(() => Task.FromResult(clock.Created > 0), Patience); // the threads have armed for the earliest
        fake.Advance(TimeSpan.FromSeconds(1));
        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref fired) == loops.Length), Patience);

        var report = await WithinAsync(group.StopAsync(StopMode.Drain, TimeSpan.FromSeconds(5)));
        await WithinAsync(group.Completion);
        Assert.Equal(loops.Length, report.CancelledTimers); // the hour-long ones
        Assert.Equal(0, clock.Live);
        Output.WriteLine($"provider timers created over the group's life: {clock.Created}");
    }

    /// <summary>Spawns loops until each thread of the group has run one; returns the threads (the loops stay for the group's stop).</summary>
    private static async Task<IReadOnlyCollection<Thread>> CaptureEveryThreadAsync(LoopGroup group)
    {
        var threads = new Dictionary<int, Thread>();
        for (int i = 0; i < 64 && threads.Count < group.ThreadCount; i++)
        {
            var loop = group.Spawn($"probe {i}");
            var thread = await WithinAsync(loop.RunAsync(() => Task.FromResult(Thread.CurrentThread)));
            threads.TryAdd(thread.ManagedThreadId, thread);
        }

        return threads.Values;
    }
}
