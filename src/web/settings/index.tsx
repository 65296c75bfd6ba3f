import type { ComponentType } from "react";
import type { Directory } from "../directory";
import type { Link } from "../status";
import { EmailSection } from "./email";
import { MemorySection } from "./memory";
import { PhoneSection } from "./phone";
import { ModelSection } from "./model";
import { PermissionsSection } from "./permissions";
import { TimeZoneSection } from "./time-zone";
import { UsageSection } from "./usage";
import { ExtensionsSection } from "./extensions";
import { ConnectionsSection } from "./connections";
import { YourDataSection } from "./your-data";
import { NotificationsSection } from "./notifications";

export interface SettingsSectionProps {
  directory: Directory;
  link: Link;
}

/**
 * The settings page is this list. A new setting is one file in this folder
 * exporting a component that takes SettingsSectionProps, plus one line here.
 */
export const SETTINGS_SECTIONS: Array<{ id: string; title: string; Section: ComponentType<SettingsSectionProps> }> = [
  { id: "model", title: "Model", Section: ModelSection },
  { id: "usage", title: "Usage", Section: UsageSection },
  { id: "permissions", title: "Permissions", Section: PermissionsSection },
  { id: "time-zone", title: "Time zone", Section: TimeZoneSection },
  { id: "email", title: "Email", Section: EmailSection },
  { id: "memory", title: "Memory", Section: MemorySection },
  { id: "extensions", title: "Extensions", Section: ExtensionsSection },
  { id: "connections", title: "Connections", Section: ConnectionsSection },
  { id: "notifications", title: "Notifications", Section: NotificationsSection },
  { id: "your-data", title: "Your data", Section: YourDataSection },
  { id: "phone", title: "Phone calls", Section: PhoneSection }
];

export function SettingsView({ directory, link }: SettingsSectionProps) {
  return (
    <div className="settings">
      <h2>Settings</h2>
      {SETTINGS_SECTIONS.map(({ id, title, Section }) => (
        <section key={id} className="settings-section" aria-labelledby={`settings-${id}`}>
          <h3 id={`settings-${id}`}>{title}</h3>
          <Section directory={directory} link={link} />
        </section>
      ))}
    </div>
  );
}
