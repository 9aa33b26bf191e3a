using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// What the kit's failures say, word for word: a failing test is read from its message, so each part the kit builds
/// (where it looked, for how long, the hint or its absence, what it saw instead) is asserted whole. The waits are
/// short and explicit, so each message also shows that the given bound was used, not the default.
/// </summary>
public sealed class FailureMessageTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task ExpectFaultAsync_NoFaultAtAllAnyLoopNoHint_SaysAnyLoopAndNone()
    {
        Spawn();

        var failure = await Assert.ThrowsAsync<XunitException>(() => ExpectFaultAsync<FormatException>(duration: Short));

        Assert.Equal(
            "expected a fault with System.FormatException from any loop under test within 00:00:00.0500000; unclaimed faults: none",
            failure.Message);
    }

    [Fact]
    public async Task ExpectFaultAsync_OtherFaultsOfTheLoopWithAHint_SaysTheLoopTheHintAndEachFaultSeen()
    {
        var loop = Spawn(name: "parser");
        loop.Post(() => throw new InvalidOperationException("one"));
        loop.Post(() => throw new InvalidOperationException("two"));
        await RunUntilIdleAsync();

        var failure = await Assert.ThrowsAsync<XunitException>(() => ExpectFaultAsync<FormatException>(loop, Short, "the bad input"));

        Assert.Equal(
            "expected a fault with System.FormatException from loop 'parser' within 00:00:00.0500000 (the bad input); unclaimed faults: "
            + "CallbackFaulted of loop 'parser' (Running): System.InvalidOperationException: one; "
            + "CallbackFaulted of loop 'parser' (Running): System.InvalidOperationException: two",
            failure.Message);
        Assert.Equal("one", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
        Assert.Equal("two", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
    }

    [Fact]
    public async Task WithinAsync_TaskNeverCompletesNoHint_FailsAfterTheGivenBoundSayingJustThat()
    {
        var never = new TaskCompletionSource();

        var failure = await Assert.ThrowsAsync<XunitException>(() => WithinAsync(never.Task, Short));

        Assert.Equal("the task did not complete within 00:00:00.0500000", failure.Message);
    }

    [Fact]
    public async Task WithinAsync_TaskOfTNeverCompletesWithAHint_FailsAfterTheGivenBoundWithTheHint()
    {
        var never = new TaskCompletionSource<int>();

        var failure = await Assert.ThrowsAsync<XunitException>(() => WithinAsync(never.Task, Short, "the reply"));

        Assert.Equal("the task did not complete within 00:00:00.0500000: the reply", failure.Message);
    }

    [Fact]
    public async Task WithinAsync_TaskThatFaults_ThrowsItsOwnException()
    {
        // The timeout's filter must not swallow a task's own exception, nor report a completed task as late.
        await Assert.ThrowsAsync<FormatException>(() => WithinAsync(Task.FromException(new FormatException()), Short));
        await Assert.ThrowsAsync<TimeoutException>(() => WithinAsync(Task.FromException(new TimeoutException()), Short));
        await Assert.ThrowsAsync<TimeoutException>(() => WithinAsync(Task.FromException<int>(new TimeoutException()), Short));
    }

    [Fact]
    public async Task AssertOnLoopThread_FromAnotherLoopsWork_NamesThatLoop()
    {
        var expected = Spawn(name: "expected");
        var other = Spawn(name: "other");

        var failure = await other.RunAsync(() => Task.FromResult(Record.Exception(() => AssertOnLoopThread(expected))));

        Assert.IsType<XunitException>(failure);
        Assert.StartsWith("expected to run on loop 'expected', ran on thread ", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith(" as the work of loop 'other'", failure.Message, StringComparison.Ordinal);
    }
}
