import BECCommands

await BECMilterCommand.entry()
