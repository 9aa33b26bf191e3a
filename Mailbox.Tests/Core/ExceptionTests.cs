namespace Mailbox.Tests.Core;

/// <summary>The library's exceptions made without a message still say what happened, and keep a cause they are given.</summary>
public sealed class ExceptionTests
{
    [Fact]
    public void LoopStoppedException_WithoutAMessage_SaysTheLoopIsStopping() =>
        Assert.Equal("The loop is stopping or stopped.", new LoopStoppedException().Message);

    [Fact]
    public void MailboxFullException_WithoutAMessage_SaysTheMailboxIsFull() =>
        Assert.Equal("The loop's mailbox is full.", new MailboxFullException().Message);

    [Fact]
    public void WrongThreadException_WithoutAMessage_SaysTheCallIsLoopOnly() =>
        Assert.Equal("This call may only be made on a loop thread.", new WrongThreadException().Message);

    [Fact]
    public void Exceptions_WithAMessageAndACause_KeepBoth()
    {
        var cause = new FormatException();
        Exception[] made =
        [
            new LoopStoppedException("stopped", cause),
            new MailboxFullException("full", cause),
            new WrongThreadException("wrong", cause),
        ];

        Assert.Equal(["stopped", "full", "wrong"], made.Select(e => e.Message));
        Assert.All(made, e => Assert.Same(cause, e.InnerException));
        Assert.All(made, e => Assert.IsAssignableFrom<InvalidOperationException>(e));
    }
}
