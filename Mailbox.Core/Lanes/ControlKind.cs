namespace Mailbox;

/// <summary>What a control-lane message asks of the loop.</summary>
internal enum ControlKind
{
    /// <summary>Begin the stop recorded in the loop's stop fields.</summary>
    Stop,

    /// <summary>Answer a <see cref="PendingWork"/> query; the payload is its <see cref="TaskCompletionSource{PendingWork}"/>.</summary>
    Query,

    /// <summary>Put a <see cref="TimerHandle"/> set from another thread into the timer queue.</summary>
    ScheduleTimer,

    /// <summary>A <see cref="TimerHandle"/> was cancelled from another thread: count it out of the timer queue.</summary>
    TimerCancelled,

    /// <summary>The stop's timeout passed.</summary>
    StopTimeout,

    /// <summary>A bounded mailbox refused or held back a send.</summary>
    MailboxFull,

    /// <summary>A coroutine's fault was collected unobserved; the payload is the <see cref="UnobservedCoroutineFault"/>.</summary>
    UnobservedFault,
}
