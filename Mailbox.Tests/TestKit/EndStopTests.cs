using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The stops at the test's end: a loop or a group that does not stop in time fails the test, naming it; the kit moves
/// its own <see cref="LoopTestKit.Clock"/> only for a slow stop that the clock can speed up; a group's report goes to
/// the test's output. The end's patience is shortened (<c>EndPatience</c>) so that a failing stop costs a fraction of
/// a second.
/// </summary>
public abstract class EndStopTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan EndPatienceOfTheKit = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task DisposeAsync_LoopOnAClockOfItsOwnThatDoesNotStop_FailsNamingItAndLeavesTheKitsClockAlone()
    {
        using var kit = NewKit();
        var own = new FakeTimeProvider();
        var loop = kit.Spawn(new LoopOptions { TimeProvider = own }, "stubborn");
        var never = new TaskCompletionSource();
        var forgotten = loop.RunAsync(() => never.Task); // Drain waits for it; only the stop's timeout, on `own`, ends it
        await kit.RunUntilIdleAsync();
        var start = kit.Clock.GetUtcNow();

        var failure = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);

        Assert.Contains("loop 'stubborn' (Stopping) did not stop within 00:00:00.3000000 at the end of the test", failure.Message, StringComparison.Ordinal);
        if (Kind == LoopKind.Grouped)
        {
            // The group waits for the loop too; its slow stop moves the kit's clock once, which cannot help a loop on another.
            Assert.Contains("group 'KitUnderTest' did not stop within 00:00:00.3000000 at the end of the test", failure.Message, StringComparison.Ordinal);
            Assert.Equal(start + TimeSpan.FromSeconds(1), kit.Clock.GetUtcNow());
        }
        else
        {
            Assert.DoesNotContain("group", failure.Message, StringComparison.Ordinal);
            Assert.Equal(start, kit.Clock.GetUtcNow());
        }

        own.Advance(TimeSpan.FromSeconds(1)); // the stop's timeout, on the loop's clock: it abandons the coroutine
        Assert.True((await WithinAsync(loop.Completion)).TimedOut);
        await Assert.ThrowsAsync<LoopStoppedException>(() => forgotten);
        if (Kind == LoopKind.Grouped)
        {
            await WithinAsync(kit.Group.Completion);
        }
    }

    [Fact]
    public async Task DisposeAsync_StopsThatEndAtOnce_LeaveTheKitsClockAlone()
    {
        using var kit = NewKit();
        var loop = kit.Spawn();
        loop.CallLater(TimeSpan.FromHours(1), () => { });
        await kit.RunUntilIdleAsync();
        var start = kit.Clock.GetUtcNow();

        await kit.DisposeAsync();

        Assert.Equal(LoopState.Stopped, loop.State);
        Assert.Equal(start, kit.Clock.GetUtcNow()); // a test that reads the clock after its end sees what it left
    }

    [Fact]
    public async Task DisposeAsync_LoopStuckInACallbackOfTheTestsOwn_FailsSayingItDidNotAnswerAndStillStopsTheOthers()
    {
        using var kit = NewKit();
        var stuck = kit.Spawn(name: "stuck");
        var bystander = kit.Spawn(name: "bystander");
        await kit.RunUntilIdleAsync();
        using var own = new Gate(); // not the kit's: the end does not open it
        stuck.Post(own.Hold);
        await own.EnteredAsync();

        var failure = await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);

        Assert.Contains(
            "the end of the test: loop 'stuck' (Running) did not answer a query in time (is it held by a gate, or stuck in a callback?)",
            failure.Message,
            StringComparison.Ordinal);
        Assert.Equal(LoopState.Stopped, bystander.State); // one loop that does not answer leaves no other running
        own.Open();
        Assert.True((await WithinAsync(stuck.Completion)).TimedOut); // its stop was sent too, and timed out on the kit's clock
        if (Kind == LoopKind.Grouped)
        {
            Assert.Contains("group 'KitUnderTest' did not stop within 00:00:00.3000000", failure.Message, StringComparison.Ordinal);
            await WithinAsync(kit.Group.Completion);
        }
    }

    private protected KitUnderTest NewKit(ITestOutputHelper? output = null) => new(output ?? Output!, Kind, endPatience: EndPatienceOfTheKit);
}

/// <summary><see cref="EndStopTests"/> on dedicated loops.</summary>
public sealed class EndStopTests_Dedicated(ITestOutputHelper output) : EndStopTests(output);

/// <summary><see cref="EndStopTests"/> on loops of the kit's group, and what only a group does.</summary>
public sealed class EndStopTests_Grouped(ITestOutputHelper output) : EndStopTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;

    [Fact]
    public async Task DisposeAsync_Group_WritesItsReportToTheTestsOutput()
    {
        var lines = new RecordingOutput(Output!);
        using var kit = NewKit(lines);
        var loop = kit.Spawn();
        for (int i = 0; i < 3; i++)
        {
            loop.Post(() => { });
        }

        await kit.RunUntilIdleAsync();

        await kit.DisposeAsync();

        Assert.Contains("group 'KitUnderTest': 1 loops, executed 3, discarded 0", lines.Lines);
    }

    /// <summary>Keeps every line written to the test's output, and passes it on.</summary>
    private sealed class RecordingOutput(ITestOutputHelper inner) : ITestOutputHelper
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public void WriteLine(string message)
        {
            _lines.Enqueue(message);
            inner.WriteLine(message);
        }

        public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
