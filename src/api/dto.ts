import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class CreateTicketDto {
  @ApiProperty({ description: 'Key of the catalogue leaf the ticket is about', example: 'otp-order' })
  @IsString()
  @IsNotEmpty()
  leaf: string;

  @ApiPropertyOptional({ description: 'Form values by field key (see GET catalogue/{leaf}/form)', example: { title: 'Deux clés OTP', description: '…', establishment: '9740049K' } })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;
}

export class EditTicketDto {
  @ApiProperty({ description: 'Changed form values by field key; only fields editable in the current status' })
  @IsObject()
  values: Record<string, unknown>;
}

export class CommentDto {
  @ApiProperty({ description: 'Text of the exchange' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100000)
  body: string;

  @ApiPropertyOptional({ description: 'A private note, seen by agents only', default: false })
  @IsOptional()
  @IsBoolean()
  private?: boolean;
}

export class TransitionDto {
  @ApiProperty({ description: 'Name of the transition, among those the ticket lists in you.transitions', example: 'close' })
  @IsString()
  @IsNotEmpty()
  transition: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  comment?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  solution?: string;

  @ApiPropertyOptional({ description: 'Key of the team the ticket moves to, for transitions that require one' })
  @IsOptional()
  @IsString()
  team?: string;

  @ApiPropertyOptional({ description: 'Survey answers by question key', example: { delay: 5, quality: 4 } })
  @IsOptional()
  @IsObject()
  ratings?: Record<string, number>;
}

export class ParticipantDto {
  @ApiProperty({ description: 'Login or id of the person to add' })
  @IsString()
  @IsNotEmpty()
  person: string;
}

export class ListQueryDto {
  @ApiPropertyOptional({ description: 'Dashboard view key (see GET views)' })
  @IsOptional()
  @IsString()
  view?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

export class SearchQueryDto {
  @ApiProperty({ description: 'Keywords, at least 3 characters', example: 'otp' })
  @IsString()
  q: string;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

export class PeopleQueryDto {
  @ApiProperty({ description: 'Start of a name or login' })
  @IsString()
  q: string;

  @ApiPropertyOptional({ description: 'Only people of this establishment (UAI)' })
  @IsOptional()
  @IsString()
  establishment?: string;

  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

export class LangQueryDto {
  @ApiPropertyOptional({ enum: ['fr', 'en'] })
  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;

  @ApiPropertyOptional({ description: 'Subtree root key' })
  @IsOptional()
  @IsString()
  root?: string;
}
