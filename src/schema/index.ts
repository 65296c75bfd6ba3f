import { migrate } from "./migrate";
import type { MigrationStorage } from "./migrate";
import { ASSISTANT_MIGRATIONS } from "./assistant";
import { CONVERSATION_MIGRATIONS } from "./conversation";
import { DIRECTORY_MIGRATIONS } from "./directory";
import { PHONE_DIRECTORY_MIGRATIONS } from "./phone-directory";

/**
 * One entry point per kind of database, so each Durable Object's constructor
 * needs a single line and cannot pair its storage with another kind's list.
 */
export function migrateAssistant(storage: MigrationStorage): number[] {
  return migrate(storage, ASSISTANT_MIGRATIONS);
}

export function migrateConversation(storage: MigrationStorage): number[] {
  return migrate(storage, CONVERSATION_MIGRATIONS);
}

export function migrateDirectory(storage: MigrationStorage): number[] {
  return migrate(storage, DIRECTORY_MIGRATIONS);
}

export function migratePhoneDirectory(storage: MigrationStorage): number[] {
  return migrate(storage, PHONE_DIRECTORY_MIGRATIONS);
}
