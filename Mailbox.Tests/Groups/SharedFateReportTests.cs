using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>A slow callback on a shared thread says which thread it held and how many loops waited on it.</summary>
public sealed class SharedFateReportTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Fact]
    public async Task SlowCallback_OnAGroupThread_NamesTheThreadAndTheLoopsItHeldUp()
    {
        await using var group = CreateGroup(threads: 1);
        var probe = CreateTestProbe();
        var slow = group.Spawn("slow", new LoopOptions
        {
            SlowCallbackThreshold = TimeSpan.FromMilliseconds(1),
            Observer = new ProbeObserver(probe, e => e is SlowCallback),
        });
        for (int i = 0; i < 4; i++)
        {
            group.Spawn($"sibling {i}");
        }

        int thread = await WithinAsync(slow.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId)));
        using var gate = new Gate();
        slow.Post(gate.Hold);
        await gate.EnteredAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(5)); // real time on purpose: the threshold is measured with the stopwatch
        gate.Open();

        var report = await probe.ExpectMsgAsync<SlowCallback>(Patience);
        Assert.Equal(thread, report.ThreadId);
        Assert.Equal(5, report.LoopsOnThread);
        Assert.Equal("slow", report.LoopName);
    }

    [Fact]
    public async Task SlowCallback_OnADedicatedLoop_HoldsOnlyItself()
    {
        var probe = CreateTestProbe();
        await using var loop = LoopActor.Spawn("dedicated", new LoopOptions
        {
            SlowCallbackThreshold = TimeSpan.FromMilliseconds(1),
            Observer = new ProbeObserver(probe, e => e is SlowCallback),
        });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(5));
        gate.Open();

        var report = await probe.ExpectMsgAsync<SlowCallback>(Patience);
        Assert.Equal(1, report.LoopsOnThread);
        Assert.NotEqual(Environment.CurrentManagedThreadId, report.ThreadId);
    }
}
